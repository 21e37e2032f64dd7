/*
 * Kaji's pause program: PID 1 of every pod sandbox. It holds the pod's namespaces open, sleeps until SIGTERM
 * or SIGINT, and reaps the children that get re-parented to it (zombies of containers sharing its PID namespace).
 * Built statically by Kaji with gcc at first use; see io.kaji.node.image.PauseImage.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested = 0;

static void on_stop(int sig) {
    (void) sig;
    stop_requested = 1;
}

static void on_child(int sig) {
    (void) sig;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved;
}

static int install(int sig, void (*handler)(int)) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = (sig == SIGCHLD) ? SA_NOCLDSTOP | SA_RESTART : 0;
    return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
    (void) argv;
    if (argc > 1) {
        fprintf(stderr, "kaji-pause takes no arguments\n");
        return 2;
    }
    if (getpid() != 1) {
        fprintf(stderr, "kaji-pause: warning: not PID 1, orphans will not be reaped here\n");
    }
    if (install(SIGTERM, on_stop) < 0 || install(SIGINT, on_stop) < 0 || install(SIGCHLD, on_child) < 0) {
        perror("kaji-pause: sigaction");
        return 1;
    }
    while (!stop_requested) {
        pause();
    }
    return 0;
}
