// UDP flood for the nft-mode rate bench: sends 16-byte datagrams to ADDR:PORT at RATE packets/s
// for SECONDS, BATCH datagrams per sendmmsg (one syscall per batch, so the sender's own cost is
// mostly the kernel's per-packet work). Prints "sent=N seconds=S" when done.
// Build: clang -O2 -o udp-flood udp-flood.c   Usage: udp-flood ADDR PORT RATE SECONDS [BATCH=32]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s ADDR PORT RATE SECONDS [BATCH]\n", argv[0]);
        return 2;
    }
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", argv[1]); return 2; }
    double rate = atof(argv[3]), seconds = atof(argv[4]);
    int batch = argc > 5 ? atoi(argv[5]) : 32;
    if (batch < 1 || batch > 1024) batch = 32;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &dst, sizeof dst) < 0) { perror("socket/connect"); return 1; }
    char payload[16];
    memset(payload, 'x', sizeof payload);
    struct iovec iov = {.iov_base = payload, .iov_len = sizeof payload};
    struct mmsghdr *msgs = calloc(batch, sizeof *msgs);
    for (int i = 0; i < batch; i++) { msgs[i].msg_hdr.msg_iov = &iov; msgs[i].msg_hdr.msg_iovlen = 1; }
    long long sent = 0, errors = 0;
    double start = now(), end = start + seconds, t;
    while ((t = now()) < end) {
        long long due = (long long) ((t - start) * rate);
        if (sent >= due) { struct timespec pause = {0, 20000}; nanosleep(&pause, NULL); continue; }
        int n = due - sent < batch ? (int) (due - sent) : batch;
        int r = sendmmsg(fd, msgs, n, 0);
        if (r > 0) sent += r; else errors++;
    }
    double elapsed = now() - start;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("sent=%lld seconds=%.3f rate=%.0f errors=%lld cpu=%.2f\n", sent, elapsed, sent / elapsed, errors, cpu);
    return 0;
}
