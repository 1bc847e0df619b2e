package io.totpd.transfer;

import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import javax.xml.XMLConstants;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * A StAX reader over an untrusted upload that cannot be made to read anything but the stream, nor to
 * hold much of it: no DTD, so no entity of any kind (XXE, billion laughs) and no external subset;
 * every run of text at most {@link #MAX_TEXT_CHARS} characters; elements at most {@link #MAX_DEPTH}
 * deep. Faults are {@link ImportFileException}s whose message gives a line number and never the
 * parser's own message, which quotes the file.
 *
 * <p>Handlers walk it element by element: at a START_ELEMENT, either {@link #skipElement()},
 * {@link #text()}, or loop {@link #nextChild(int)} with the element's {@link #depth()}; each consumes
 * the element up to its END_ELEMENT, so a loop never sees a grandchild.
 */
final class XmlCursor implements AutoCloseable {

    /** 64 Ki characters: a PSKC value is at most a few hundred; an encrypted 512-bit key is 128. */
    static final int MAX_TEXT_CHARS = 64 * 1024;

    /** A PSKC file is 8 deep (KeyContainer to CipherValue); room for a signature and extensions. */
    static final int MAX_DEPTH = 32;

    private final XMLStreamReader reader;
    private int depth;
    private int textRun;
    private int previousEventLine = -1;
    private char[] buffer = new char[256];

    XmlCursor(InputStream in) {
        try {
            reader = factory().createXMLStreamReader(in);
        } catch (XMLStreamException e) {
            throw fault(e);
        }
    }

    private static XMLInputFactory factory() {
        // The JDK's own parser, whatever else is on the class path: its handling of the switches below is
        // what the tests show, and it honours the jdk.xml limits.
        XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        factory.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        // Not coalescing: the parser then hands long text over in pieces, which next() counts as they
        // come, instead of building the whole string first.
        factory.setProperty(XMLInputFactory.IS_COALESCING, false);
        factory.setXMLResolver((publicId, systemId, baseUri, namespace) -> {
            throw new XMLStreamException("no external resource is read");
        });
        // Second lines of defence: the DTD event is refused before any of these could matter.
        setIfSupported(factory, XMLConstants.ACCESS_EXTERNAL_DTD, "");
        setIfSupported(factory, XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        setIfSupported(factory, "jdk.xml.maxElementDepth", String.valueOf(MAX_DEPTH + 1));
        setIfSupported(factory, "jdk.xml.elementAttributeLimit", "64");
        setIfSupported(factory, "jdk.xml.maxXMLNameLimit", "256");
        setIfSupported(factory, "jdk.xml.entityExpansionLimit", "1");
        setIfSupported(factory, "jdk.xml.maxGeneralEntitySizeLimit", "1");
        setIfSupported(factory, "jdk.xml.maxParameterEntitySizeLimit", "1");
        setIfSupported(factory, "jdk.xml.totalEntitySizeLimit", "1");
        return factory;
    }

    private static void setIfSupported(XMLInputFactory factory, String name, String value) {
        try {
            factory.setProperty(name, value);
        } catch (IllegalArgumentException unsupported) {
            // A JDK that does not know the limit has the checks in next() still.
        }
    }

    /**
     * The next event, refused if it is a DTD or an entity reference, or takes text or depth past
     * the bounds.
     */
    int next() {
        int event;
        try {
            previousEventLine = reader.getLocation().getLineNumber();
            event = reader.next();
        } catch (XMLStreamException e) {
            throw fault(e);
        }
        switch (event) {
            case XMLStreamConstants.START_ELEMENT -> {
                textRun = 0;
                if (++depth > MAX_DEPTH) {
                    throw new ImportFileException("the file nests elements more than " + MAX_DEPTH + " deep (line "
                            + line() + ")");
                }
            }
            case XMLStreamConstants.END_ELEMENT -> {
                textRun = 0;
                depth--;
            }
            case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                textRun += reader.getTextLength();
                requireShortText();
            }
            case XMLStreamConstants.COMMENT, XMLStreamConstants.PROCESSING_INSTRUCTION -> {
                // The parser has read these whole by now; refusing still bounds what is kept.
                textRun = event == XMLStreamConstants.COMMENT ? reader.getTextLength() : 0;
                requireShortText();
                textRun = 0;
            }
            case XMLStreamConstants.DTD -> throw new ImportFileException(
                    "the file has a document type declaration (<!DOCTYPE>), which PSKC never needs: refused");
            case XMLStreamConstants.ENTITY_REFERENCE -> throw new ImportFileException(
                    "the file refers to an entity (line " + line() + "), which PSKC never needs: refused");
            default -> textRun = 0;
        }
        return event;
    }

    private void requireShortText() {
        if (textRun > MAX_TEXT_CHARS) {
            throw new ImportFileException("a text in the file is longer than " + MAX_TEXT_CHARS + " characters (line "
                    + line() + ")");
        }
    }

    /** Moves to the root element; false if the document has none. */
    boolean toRoot() {
        while (reader.getEventType() != XMLStreamConstants.START_ELEMENT) {
            if (next() == XMLStreamConstants.END_DOCUMENT) {
                return false;
            }
        }
        return true;
    }

    /**
     * Moves to the next child of the element at {@code parentDepth}: true at its START_ELEMENT, false at
     * the parent's END_ELEMENT.
     */
    boolean nextChild(int parentDepth) {
        while (true) {
            int event = next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                return true;
            }
            if (event == XMLStreamConstants.END_ELEMENT && depth < parentDepth) {
                return false;
            }
            if (event == XMLStreamConstants.END_DOCUMENT) {
                throw new ImportFileException("the file ends inside an element");
            }
        }
    }

    /** Reads past the END_ELEMENT of the current element, whatever it holds. */
    void skipElement() {
        int level = depth;
        while (depth >= level) {
            next();
        }
    }

    /**
     * All text within the current element, trimmed of XML white space, reading past its END_ELEMENT.
     * A char array, not a String, so that the caller can zero a secret's Base64 once decoded.
     */
    char[] text() {
        int level = depth;
        int length = 0;
        while (true) {
            int event = next();
            if (event == XMLStreamConstants.END_ELEMENT && depth < level) {
                break;
            }
            if (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA
                    || event == XMLStreamConstants.SPACE) {
                int count = reader.getTextLength();
                // Text split by child elements or comments is counted as one value.
                if (length + count > MAX_TEXT_CHARS) {
                    Arrays.fill(buffer, 0, length, '\0');
                    throw new ImportFileException("a text in the file is longer than " + MAX_TEXT_CHARS
                            + " characters (line " + line() + ")");
                }
                if (length + count > buffer.length) {
                    char[] larger = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + count));
                    Arrays.fill(buffer, '\0');
                    buffer = larger;
                }
                System.arraycopy(reader.getTextCharacters(), reader.getTextStart(), buffer, length, count);
                length += count;
            }
        }
        int start = 0;
        int end = length;
        while (start < end && isXmlSpace(buffer[start])) {
            start++;
        }
        while (end > start && isXmlSpace(buffer[end - 1])) {
            end--;
        }
        char[] text = Arrays.copyOfRange(buffer, start, end);
        Arrays.fill(buffer, 0, length, '\0');
        return text;
    }

    /** {@link #text()} as a String, for values that are not secret. */
    String string() {
        return new String(text());
    }

    static boolean isXmlSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /** How many elements are open: 1 at the root's START_ELEMENT, 0 after its END_ELEMENT. */
    int depth() {
        return depth;
    }

    /** Whether the current START_ELEMENT is {@code local} in namespace {@code namespace}, whatever its prefix. */
    boolean is(String namespace, String local) {
        return local.equals(reader.getLocalName()) && namespace.equals(namespaceUri());
    }

    String localName() {
        return reader.getLocalName();
    }

    /** The current element's namespace; "" for none. */
    String namespaceUri() {
        String uri = reader.getNamespaceURI();
        return uri == null ? "" : uri;
    }

    /** An unqualified attribute of the current START_ELEMENT, trimmed; null if absent. */
    String attribute(String local) {
        for (int i = 0; i < reader.getAttributeCount(); i++) {
            String uri = reader.getAttributeNamespace(i);
            if (local.equals(reader.getAttributeLocalName(i)) && (uri == null || uri.isEmpty())) {
                return reader.getAttributeValue(i).strip();
            }
        }
        return null;
    }

    /**
     * The line on which the current START_ELEMENT begins. StAX places an event's location where it ends,
     * which for a start tag with attributes on further lines is past its first line; the previous event
     * ended where this one begins.
     */
    long startLine() {
        return previousEventLine > 0 ? previousEventLine : line();
    }

    private long line() {
        Location location = reader.getLocation();
        return location == null ? -1 : location.getLineNumber();
    }

    @Override
    public void close() {
        Arrays.fill(buffer, '\0');
        try {
            reader.close();
        } catch (XMLStreamException e) {
            // Closing frees the parser's buffers only; nothing is lost.
        }
    }

    private static ImportFileException fault(XMLStreamException e) {
        Throwable cause = e.getNestedException() != null ? e.getNestedException() : e.getCause();
        if (cause instanceof IOException && !(cause instanceof CharConversionException)) {
            return new ImportFileException("the file could not be read to its end");
        }
        Location location = e.getLocation();
        String where = location == null || location.getLineNumber() < 0 ? "" : " (line " + location.getLineNumber() + ")";
        // Not the parser's message, nor the exception as cause: both quote the file.
        return new ImportFileException("the file is not well-formed XML" + where);
    }
}
