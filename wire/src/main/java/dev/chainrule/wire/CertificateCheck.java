package dev.chainrule.wire;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks, at start-up, what a TLS handshake would only find out later: that every certificate of a
 * chain (PEM) is valid now, neither expired nor not yet valid, and that the private key (PEM,
 * PKCS#8) belongs to the chain's first certificate, by signing a random challenge with the key and
 * verifying it with the certificate's public key. Errors are {@link IllegalArgumentException}s that
 * name the file and say which check failed.
 */
public final class CertificateCheck {
    private static final Pattern PKCS8 = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private CertificateCheck() {
    }

    /**
     * Checks {@code certChain} and {@code privateKey} as the class describes, at {@code now}.
     *
     * @throws IllegalArgumentException naming the file: a certificate that has expired or is not yet
     *     valid (with its dates), or a key that does not match the certificate
     */
    public static void requireUsable(Path certChain, Path privateKey, Instant now) {
        List<X509Certificate> chain = requireCurrent(certChain, now);
        PrivateKey key = privateKey(privateKey, chain.get(0).getPublicKey().getAlgorithm());
        if (key != null && !matches(key, chain.get(0).getPublicKey())) {
            throw new IllegalArgumentException("the private key " + privateKey + " does not match the certificate " + certChain
                    + " (" + chain.get(0).getSubjectX500Principal().getName() + "): it is the key of another certificate");
        }
    }

    /**
     * The certificates in {@code file}, each checked to be valid at {@code now}.
     *
     * @throws IllegalArgumentException naming the file and the certificate when one has expired or is
     *     not yet valid, or when the file holds no certificate
     */
    public static List<X509Certificate> requireCurrent(Path file, Instant now) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            factory.generateCertificates(in).forEach(c -> certificates.add((X509Certificate) c));
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("cannot read the certificates in " + file + " (" + e.getMessage() + ")", e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no PEM certificate");
        }
        for (X509Certificate certificate : certificates) {
            String which = "the certificate " + file + " (" + certificate.getSubjectX500Principal().getName() + ")";
            try {
                certificate.checkValidity(Date.from(now));
            } catch (CertificateExpiredException e) {
                throw new IllegalArgumentException(which + " has expired: it was valid until " + certificate.getNotAfter().toInstant()
                        + " (now: " + now + ")", e);
            } catch (CertificateNotYetValidException e) {
                throw new IllegalArgumentException(which + " is not yet valid: it is valid from " + certificate.getNotBefore().toInstant()
                        + " (now: " + now + ")", e);
            }
        }
        return certificates;
    }

    /** The PKCS#8 key in {@code file} for {@code algorithm}; null when the file holds no PKCS#8 block (the TLS library judges it). */
    private static PrivateKey privateKey(Path file, String algorithm) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the private key " + file + " (" + e.getClass().getSimpleName() + ")", e);
        }
        Matcher block = PKCS8.matcher(pem);
        if (!block.find()) {
            return null;
        }
        byte[] der = Base64.getMimeDecoder().decode(block.group(1));
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the private key " + file + " is not a " + algorithm
                    + " key, as the certificate's public key is: it does not match the certificate", e);
        }
    }

    /** Whether a challenge signed with {@code key} verifies with {@code publicKey}; true when the kind of key has no signature here. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
