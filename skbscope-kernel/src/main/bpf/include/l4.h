/* SPDX-License-Identifier: GPL-2.0 */
/* Transport header facts read with plain fault-safe loads (bpf_rdonly_cast). */
#ifndef SKBSCOPE_L4_H
#define SKBSCOPE_L4_H

/*
 * The TCP sequence number after this segment (seq + payload + SYN + FIN), from the headers at
 * skb->head + network_header; 0 when they can't be read (the socket node then waits for its
 * idle timeout instead of the read).
 */
static __always_inline __u32 tcp_end_seq(struct sk_buff *skb, unsigned char *head, __u16 nh, __u8 ver)
{
	if (nh == (__u16)~0U)
		return 0;
	unsigned char *l3 = head + nh;
	__u32 l3len, payload;
	const struct tcphdr *th;
	if (ver == 4) {
		const struct iphdr *ip = bpf_rdonly_cast(l3, bpf_core_type_id_kernel(struct iphdr));
		__u32 ihl = ip->ihl * 4;
		l3len = bpf_ntohs(ip->tot_len);
		th = bpf_rdonly_cast(l3 + ihl, bpf_core_type_id_kernel(struct tcphdr));
		payload = l3len - ihl;
	} else if (ver == 6) {
		const struct ipv6hdr *ip6 = bpf_rdonly_cast(l3, bpf_core_type_id_kernel(struct ipv6hdr));
		payload = bpf_ntohs(ip6->payload_len);
		th = bpf_rdonly_cast(l3 + 40, bpf_core_type_id_kernel(struct tcphdr));
	} else {
		return 0;
	}
	__u32 doff = th->doff * 4;
	if (payload < doff)
		return 0;
	__u32 end = bpf_ntohl(th->seq) + (payload - doff) + th->syn + th->fin;
	return end ? end : 1;
}

#endif
