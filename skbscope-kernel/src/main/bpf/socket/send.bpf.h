/* SPDX-License-Identifier: GPL-2.0 */
/* The application's send, recorded here and tied to its packet at the first OUTPUT sight (send_ties.h). */
#ifndef SKBSCOPE_SEND_BPF_H
#define SKBSCOPE_SEND_BPF_H

/*
 * tcp_sendmsg_locked(sk, msg, skb, size_goal): data about to be copied into the write queue's tail
 * skb; its first copy is the application's. With no skb (the queue was empty: everything sent) the
 * call allocates a new one right after: recorded by socket (send_ties.h).
 */
SEC("tp_btf/tcp_sendmsg_locked")
int tpb_tcp_sendmsg_locked(__u64 *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx[2];
	if (!counted_run(P_tcp_sendmsg_locked))
		return 0;
	if (!skb) {
		__u64 sk = sk_number(&ctx[0]);
		struct tcp_app_sk *q = tcp_app_sk_slot(sk);
		if (!q)
			return 0;
		__u64 now = bpf_ktime_get_ns();
		/* an earlier call's data, not yet sent, goes first: keep its time */
		if (q->sk == sk && now - q->ts < TCP_APP_SK_WINDOW_NS)
			return 0;
		q->sk = sk;
		q->ts = now;
		q->tgid = bpf_get_current_task_btf()->tgid;
		return 0;
	}
	__u64 head = (__u64)skb->head;
	struct tcp_app *a = tcp_app_slot(head);
	if (!a || a->head == head)
		return 0;
	a->head = head;
	a->ts = bpf_ktime_get_ns();
	a->tgid = bpf_get_current_task_btf()->tgid;
	return 0;
}

/*
 * send/sendto (glibc's send() is sendto), sendmsg, sendmmsg: the syscall's entry on this CPU. Not
 * write()/writev() on a socket: every write() in the system would pay a program run for it.
 */
static __always_inline int on_send_syscall(__u16 probe)
{
	struct skbscope_config *cfg = counted_run(probe);
	if (!cfg)
		return 0;
	struct send_pending *p = pending_here();
	if (!p)
		return 0;
	p->ts = bpf_ktime_get_ns();
	p->fib_ts = 0;
	p->tgid = bpf_get_current_pid_tgid() >> 32;
	p->probe = probe;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int sc_sys_enter_sendto(void *ctx) { return on_send_syscall(P_sys_enter_sendto); }
SEC("tracepoint/syscalls/sys_enter_sendmsg")
int sc_sys_enter_sendmsg(void *ctx) { return on_send_syscall(P_sys_enter_sendmsg); }
SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int sc_sys_enter_sendmmsg(void *ctx) { return on_send_syscall(P_sys_enter_sendmmsg); }

#endif
