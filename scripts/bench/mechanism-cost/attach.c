// Attaches COUNT copies of one empty program (mechanism: tp, nf, tcx, sys) on a UDP flood's path in
// namespace NS (netfilter on OUTPUT, tcx on the egress of every interface there), prints "attached",
// holds them until stdin closes. For scripts/bench/mechanism-cost.sh.
// Build: cc -O1 -o attach attach.c -lbpf   Usage: attach OBJECT MECHANISM COUNT NS
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct link_create { __u32 prog_fd, target, attach_type, flags; __u32 a, b; __s32 c; __u32 d; __u64 pad[6]; };

static int link_create(int prog, __u32 target, __u32 type, __u32 pf, __u32 hook, __s32 prio) {
    struct link_create attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_fd = prog; attr.target = target; attr.attach_type = type;
    if (type == 45) { attr.a = pf; attr.b = hook; attr.c = prio; } // netfilter: {pf, hooknum, priority, flags}
    int fd = syscall(__NR_bpf, 28 /* BPF_LINK_CREATE */, &attr, sizeof attr);
    if (fd < 0) { fprintf(stderr, "link: %s\n", strerror(errno)); exit(1); }
    return fd;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s OBJECT tp|nf|tcx|sys COUNT NS\n", argv[0]); return 2; }
    const char *mech = argv[2];
    int count = atoi(argv[3]);
    struct bpf_object *obj = bpf_object__open(argv[1]);
    if (!obj) { perror("open"); return 1; }
    struct bpf_program *nf = bpf_object__find_program_by_name(obj, "nf_empty");
    bpf_program__set_type(nf, 32);
    bpf_program__set_expected_attach_type(nf, 45);
    bpf_program__set_expected_attach_type(bpf_object__find_program_by_name(obj, "tcx_empty"), 46);
    if (bpf_object__load(obj)) { fprintf(stderr, "load failed\n"); return 1; }
    char path[256];
    snprintf(path, sizeof path, "/run/netns/%s", argv[4]);
    int ns = open(path, O_RDONLY);
    if (ns < 0 || setns(ns, CLONE_NEWNET)) { perror("setns"); return 1; }
    for (int i = 0; i < count; i++) {
        if (!strcmp(mech, "tp")) {
            if (!bpf_program__attach(bpf_object__find_program_by_name(obj, "tp_empty"))) { perror("tp"); return 1; }
        } else if (!strcmp(mech, "sys")) {
            if (!bpf_program__attach(bpf_object__find_program_by_name(obj, "sys_empty"))) { perror("sys"); return 1; }
        } else if (!strcmp(mech, "nf")) {
            link_create(bpf_program__fd(nf), 0, 45, 2 /* IPv4 */, 3 /* LOCAL_OUT */, -1000 + i);
        } else if (!strcmp(mech, "tcx")) {
            struct if_nameindex *ifs = if_nameindex();
            for (struct if_nameindex *x = ifs; x->if_index; x++) {
                if (!strcmp(x->if_name, "lo")) continue;
                link_create(bpf_program__fd(bpf_object__find_program_by_name(obj, "tcx_empty")), x->if_index, 47, 0, 0, 0);
            }
        }
    }
    printf("attached\n");
    fflush(stdout);
    char buf[16];
    while (read(0, buf, sizeof buf) > 0) { }
    return 0;
}
