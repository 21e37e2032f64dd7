package io.kaji.apiserver.protobuf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs {@link EnvelopeToJson} in its own class loader with the protobuf runtime that
 * {@code io.kubernetes:client-java-proto} was generated for (protobuf-java 4), because the rest of the JVM uses the
 * protobuf 3 runtime of gRPC and jetcd and one class path cannot hold both. Both jars are packed into this module's
 * jar at build time (under {@value #RESOURCE_DIR}) and extracted to a temporary directory on first use.
 */
final class IsolatedProtobuf {

    static final String RESOURCE_DIR = "/io/kaji/apiserver/protobuf/isolated/";
    private static final List<String> JARS = List.of("protobuf-java.jar", "client-java-proto.jar");

    private IsolatedProtobuf() {
    }

    /** A new converter from protobuf envelopes to JSON text. */
    @SuppressWarnings("unchecked")
    static Function<byte[], String> converter() {
        try {
            Path dir = Files.createTempDirectory("kaji-protobuf-");
            dir.toFile().deleteOnExit();
            List<URL> urls = new ArrayList<>();
            for (String jar : JARS) {
                Path target = dir.resolve(jar);
                try (InputStream in = IsolatedProtobuf.class.getResourceAsStream(RESOURCE_DIR + jar)) {
                    if (in == null) {
                        throw new IllegalStateException("the API server jar lacks " + RESOURCE_DIR + jar);
                    }
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                target.toFile().deleteOnExit();
                urls.add(target.toUri().toURL());
            }
            URLClassLoader jars = new URLClassLoader("kaji-protobuf-jars", urls.toArray(new URL[0]), null);
            Loader loader = new Loader(jars, IsolatedProtobuf.class.getClassLoader());
            Class<?> c = loader.loadClass(EnvelopeToJson.class.getName());
            return (Function<byte[], String>) c.getConstructor().newInstance();
        } catch (IOException e) {
            throw new UncheckedIOException("unpack the protobuf runtime: " + e.getMessage(), e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("load the protobuf converter: " + e.getMessage(), e);
        }
    }

    /**
     * Protobuf and client-java-proto classes come from the isolated jars; {@link EnvelopeToJson} (and its nested
     * classes) are defined here from this module's class files so that they link against those jars; everything
     * else (the JDK) comes from the parent.
     */
    private static final class Loader extends ClassLoader {
        private final ClassLoader jars;
        private final ClassLoader app;

        Loader(ClassLoader jars, ClassLoader app) {
            super("kaji-protobuf", ClassLoader.getPlatformClassLoader());
            this.jars = jars;
            this.app = app;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c != null) {
                    return c;
                }
                if (name.startsWith("com.google.protobuf.") || name.startsWith("io.kubernetes.client.proto.")) {
                    return jars.loadClass(name);
                }
                if (name.startsWith(EnvelopeToJson.class.getName())) {
                    String resource = name.replace('.', '/') + ".class";
                    try (InputStream in = app.getResourceAsStream(resource)) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        byte[] b = in.readAllBytes();
                        return defineClass(name, b, 0, b.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                return super.loadClass(name, resolve);
            }
        }
    }
}
