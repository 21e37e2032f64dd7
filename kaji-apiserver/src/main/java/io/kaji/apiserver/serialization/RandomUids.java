package io.kaji.apiserver.serialization;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * Random (version 4) UUIDs for object uids and audit IDs, as Kubernetes' {@code uuid.NewRandom}, from a DRBG
 * seeded once from the system: {@link UUID#randomUUID()} reads {@code /dev/urandom} under a lock on every call,
 * which shows up on the write path (two UUIDs per create). Bytes are drawn from the DRBG 4 KiB at a time (as Go's
 * uuid package pools crypto/rand reads) and each byte is handed out once. Thread-safe.
 */
public final class RandomUids {

    private static final SecureRandom RANDOM = drbg();

    private RandomUids() {
    }

    /** A new random UUID in its canonical text form. */
    public static String next() {
        byte[] b = new byte[16];
        take(b);
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

    /** Random bytes drawn from the DRBG a pool at a time: one DRBG call per 256 UUIDs. */
    private static final byte[] POOL = new byte[4096];
    private static int poolUsed = POOL.length;

    private static synchronized void take(byte[] out) {
        if (poolUsed + out.length > POOL.length) {
            RANDOM.nextBytes(POOL);
            poolUsed = 0;
        }
        System.arraycopy(POOL, poolUsed, out, 0, out.length);
        java.util.Arrays.fill(POOL, poolUsed, poolUsed + out.length, (byte) 0);
        poolUsed += out.length;
    }

    private static SecureRandom drbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
