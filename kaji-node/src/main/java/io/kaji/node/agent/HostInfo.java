package io.kaji.node.agent;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * What the node agent reports about its host.
 *
 * @param cpus        logical CPUs
 * @param memoryBytes MemTotal from /proc/meminfo
 * @param internalIp  the first up, non-loopback IPv4 address not on a pod bridge
 * @param hostname    the host's name
 * @param kernel      the kernel release
 * @param osImage     PRETTY_NAME from /etc/os-release
 */
public record HostInfo(int cpus, long memoryBytes, String internalIp, String hostname, String kernel,
                       String osImage) {

    /** Reads the running host. */
    public static HostInfo detect() {
        return new HostInfo(Runtime.getRuntime().availableProcessors(), memTotal(), detectInternalIp(), detectHostname(),
                firstLine(Path.of("/proc/sys/kernel/osrelease"), System.getProperty("os.version")), detectOsImage());
    }

    static long memTotal() {
        try {
            return parseMemTotal(Files.readAllLines(Path.of("/proc/meminfo")));
        } catch (IOException e) {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /** MemTotal in bytes from the lines of /proc/meminfo ({@code MemTotal:  16384 kB}). */
    static long parseMemTotal(List<String> lines) {
        for (String l : lines) {
            if (l.startsWith("MemTotal:")) {
                String[] f = l.substring(9).trim().split("\\s+");
                return Long.parseLong(f[0]) * 1024;
            }
        }
        throw new IllegalArgumentException("no MemTotal");
    }

    private static String detectInternalIp() {
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                String n = ni.getName();
                if (!ni.isUp() || ni.isLoopback() || n.startsWith("kaji") || n.startsWith("veth")
                        || n.startsWith("cni") || n.startsWith("docker")) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            // fall through
        }
        return "127.0.0.1";
    }

    private static String detectHostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return firstLine(Path.of("/etc/hostname"), "localhost");
        }
    }

    private static String detectOsImage() {
        try {
            for (String l : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (l.startsWith("PRETTY_NAME=")) {
                    return l.substring(12).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.name");
    }

    private static String firstLine(Path p, String fallback) {
        try {
            return Files.readAllLines(p).stream().findFirst().orElse(fallback).trim();
        } catch (IOException e) {
            return fallback;
        }
    }
}
