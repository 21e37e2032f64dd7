package io.kaji.apiserver.encryption;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES providers of Kubernetes' EncryptionConfiguration, with its storage format so that a store written by
 * either can be read by the other:
 * <ul>
 *   <li>{@code aesgcm}: {@code k8s:enc:aesgcm:v1:<key name>:} + 12-byte random nonce + ciphertext + 16-byte tag,
 *       the store key authenticated as additional data;</li>
 *   <li>{@code aescbc}: {@code k8s:enc:aescbc:v1:<key name>:} + 16-byte random IV + PKCS#7-padded ciphertext.</li>
 * </ul>
 */
final class AesProviders {

    private static final SecureRandom RANDOM = new SecureRandom();

    private AesProviders() {
    }

    static Provider gcm(String keyName, byte[] key) {
        requireAesKey("aesgcm", keyName, key);
        return new Gcm("k8s:enc:aesgcm:v1:" + keyName + ":", new SecretKeySpec(key, "AES"));
    }

    static Provider cbc(String keyName, byte[] key) {
        requireAesKey("aescbc", keyName, key);
        return new Cbc("k8s:enc:aescbc:v1:" + keyName + ":", new SecretKeySpec(key, "AES"));
    }

    private static void requireAesKey(String provider, String name, byte[] key) {
        if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new EncryptionException(provider + " key \"" + name + "\" is " + key.length + " bytes; AES needs "
                    + "16, 24 or 32 (generate one with: head -c 32 /dev/urandom | base64)");
        }
    }

    private static byte[] concat(byte[] a, byte[] b, byte[] c) {
        byte[] out = Arrays.copyOf(a, a.length + b.length + c.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        System.arraycopy(c, 0, out, a.length + b.length, c.length);
        return out;
    }

    private record Gcm(String prefix, SecretKeySpec key) implements Provider {
        private static final int NONCE = 12;

        @Override
        public byte[] seal(byte[] plain, byte[] context) {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            try {
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
                c.updateAAD(context);
                return concat(prefix.getBytes(StandardCharsets.US_ASCII), nonce, c.doFinal(plain));
            } catch (GeneralSecurityException e) {
                throw new EncryptionException("AES-GCM encryption failed: " + e.getMessage(), e);
            }
        }

        @Override
        public byte[] open(byte[] stored, byte[] context) {
            int start = prefix.length();
            if (stored.length < start + NONCE + 16) {
                throw new EncryptionException("the stored value is too short for AES-GCM");
            }
            try {
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, stored, start, NONCE));
                c.updateAAD(context);
                return c.doFinal(stored, start + NONCE, stored.length - start - NONCE);
            } catch (GeneralSecurityException e) {
                throw new EncryptionException("cannot decrypt with " + prefix + " (wrong key, or the value was "
                        + "moved to another key): " + e.getMessage(), e);
            }
        }
    }

    private record Cbc(String prefix, SecretKeySpec key) implements Provider {
        private static final int IV = 16;

        @Override
        public byte[] seal(byte[] plain, byte[] context) {
            byte[] iv = new byte[IV];
            RANDOM.nextBytes(iv);
            try {
                Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
                c.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
                return concat(prefix.getBytes(StandardCharsets.US_ASCII), iv, c.doFinal(plain));
            } catch (GeneralSecurityException e) {
                throw new EncryptionException("AES-CBC encryption failed: " + e.getMessage(), e);
            }
        }

        @Override
        public byte[] open(byte[] stored, byte[] context) {
            int start = prefix.length();
            if (stored.length < start + 2 * IV || (stored.length - start - IV) % IV != 0) {
                throw new EncryptionException("the stored value is not a whole number of AES-CBC blocks");
            }
            try {
                Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
                c.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(stored, start, IV));
                return c.doFinal(stored, start + IV, stored.length - start - IV);
            } catch (GeneralSecurityException e) {
                throw new EncryptionException("cannot decrypt with " + prefix + " (wrong key?): " + e.getMessage(), e);
            }
        }
    }
}
