package io.totpd.support;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Map;
import javax.imageio.ImageIO;

/** Reads back the QR codes the service renders. */
public final class QrImages {

    private QrImages() {
    }

    public static BufferedImage image(byte[] png) throws Exception {
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    /**
     * The text of a rendered QR code. PURE_BARCODE reads the modules of a synthetic image directly:
     * ZXing's finder-pattern detector, made for camera pictures, misses about one perfect 256 px code
     * in a hundred, which would make this check flaky without saying anything about the image.
     */
    public static String decode(byte[] png) throws Exception {
        return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image(png)))),
                Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE)).getText();
    }
}
