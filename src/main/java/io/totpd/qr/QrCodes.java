package io.totpd.qr;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.client.j2se.MatrixToImageWriter;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Renders QR codes locally: an otpauth URI holds the secret and must never go to a remote renderer.
 *
 * <p>What phone cameras read: every module at least {@link #PIXELS_PER_MODULE} pixels wide (one
 * pixel per module blurs on any screen), and a code that fits the {@link #DEFAULT_SIZE default size}
 * that way, which is version 25 (117 modules) at most; denser codes are hard to hold steady enough.
 */
public final class QrCodes {

    /** Sizes are the width and height of the square PNG, in pixels. */
    public static final int MIN_SIZE = 120;
    public static final int MAX_SIZE = 1000;
    public static final int DEFAULT_SIZE = 256;
    /** The fewest pixels a module may take, so that a phone camera still tells modules apart. */
    public static final int PIXELS_PER_MODULE = 2;
    /** The four modules of white border the QR specification asks for on each side. */
    private static final int QUIET_ZONE = 4;
    private static final Map<EncodeHintType, Object> HINTS = Map.of(
            // Error correction M survives a phone camera's glare.
            EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M,
            EncodeHintType.CHARACTER_SET, StandardCharsets.UTF_8.name(),
            EncodeHintType.MARGIN, QUIET_ZONE);

    private QrCodes() {
    }

    /**
     * The smallest {@code size}, in pixels, at which {@link #png} draws {@code text} readably: its
     * modules, quiet zone included, at {@link #PIXELS_PER_MODULE} pixels each, and never below
     * {@link #MIN_SIZE}.
     *
     * @throws IllegalArgumentException when the text does not fit any QR code
     */
    public static int smallestSize(String text) {
        return Math.max(MIN_SIZE, modules(text) * PIXELS_PER_MODULE);
    }

    /** Whether {@code text} makes a QR code phone cameras read, at the default size or smaller. */
    public static boolean readable(String text) {
        try {
            return smallestSize(text) <= DEFAULT_SIZE;
        } catch (IllegalArgumentException tooLong) {
            return false;
        }
    }

    /**
     * A square PNG of exactly {@code size} pixels: ZXing draws whole pixels per module and centres the
     * code, so what is left over widens the white border.
     *
     * @throws IllegalArgumentException when {@code size} is outside {@link #MIN_SIZE}..{@link #MAX_SIZE}
     *     or below {@link #smallestSize}
     */
    public static byte[] png(String text, int size) {
        if (size < MIN_SIZE || size > MAX_SIZE || size < smallestSize(text)) {
            throw new IllegalArgumentException("size out of range");
        }
        try {
            BitMatrix matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, size, size, HINTS);
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            MatrixToImageWriter.writeToStream(matrix, "PNG", png);
            return png.toByteArray();
        } catch (WriterException e) {
            throw new IllegalArgumentException("the text does not fit a QR code", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Modules across, quiet zone included: asking ZXing for 0 pixels gives one pixel per module. */
    private static int modules(String text) {
        try {
            return new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, HINTS).getWidth();
        } catch (WriterException e) {
            throw new IllegalArgumentException("the text does not fit a QR code", e);
        }
    }
}
