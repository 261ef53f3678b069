package io.gatehouse.tls;

/** TLS material that cannot be used: a file that cannot be read or parsed, or a key that is not its certificate's. */
public class TlsException extends RuntimeException {
    public TlsException(String message) {
        super(message);
    }
}
