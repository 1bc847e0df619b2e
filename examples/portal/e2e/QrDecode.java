import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.awt.image.BufferedImage;
import java.io.File;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Prints the text of the QR code in a PNG, such as a screenshot of a whole page: ZXing's reference
 * reader (Java), which found every code that the JavaScript port missed now and then. Run by
 * story.mjs as {@code java -cp zxing-core.jar QrDecode.java screenshot.png}; exits 1 when it finds none.
 */
public class QrDecode {
    public static void main(String[] args) throws Exception {
        BufferedImage image = ImageIO.read(new File(args[0]));
        int width = image.getWidth();
        int height = image.getHeight();
        int[] pixels = image.getRGB(0, 0, width, height, null, 0, width);
        BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(width, height, pixels)));
        try {
            System.out.println(new QRCodeReader().decode(bitmap, Map.of(DecodeHintType.TRY_HARDER, Boolean.TRUE)).getText());
        } catch (com.google.zxing.ReaderException e) {
            System.err.println("no QR code found in " + args[0]);
            System.exit(1);
        }
    }
}
