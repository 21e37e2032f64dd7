package io.kaji.apiserver.serialization;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random (version 4) UUIDs for object uids and audit IDs, as Kubernetes' {@code uuid.NewRandom}, from a DRBG
 * seeded once from the system: {@link UUID#randomUUID()} reads {@code /dev/urandom} under a lock on every call,
 * which shows up on the write path (two UUIDs per create). Thread-safe.
 */
public final class RandomUids {

    private static final SecureRandom RANDOM = drbg();

    private RandomUids() {
    }

    /** A new random UUID in its canonical text form. */
    public static String next() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (b[i] & 0xff);
            lsb = (lsb << 8) | (b[i + 8] & 0xff);
        }
        return new UUID(msb, lsb).toString();
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
