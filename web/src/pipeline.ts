// The pipeline model the UI draws: node ids (stable API, see trace-events.md section 2), their display
// labels and where each sits in the flow graph.

export interface NodeDef {
  id: string;
  label: string;
  /** Grid column and row in the flow graph. */
  col: number;
  row: number;
  group: 'inbound' | 'local' | 'forward' | 'outbound' | 'other';
}

export const NODE_DEFS: NodeDef[] = [
  { id: 'nic_rx', label: 'NIC', col: 0, row: 0, group: 'inbound' },
  { id: 'driver_napi', label: 'Driver (NAPI)', col: 1, row: 0, group: 'inbound' },
  { id: 'gro', label: 'GRO', col: 2, row: 0, group: 'inbound' },
  { id: 'tc_ingress', label: 'TC Ingress', col: 3, row: 0, group: 'inbound' },
  { id: 'nf_prerouting', label: 'Netfilter PREROUTING', col: 4, row: 0, group: 'inbound' },
  { id: 'conntrack', label: 'Conntrack', col: 5, row: 0, group: 'inbound' },
  { id: 'nat_prerouting', label: 'NAT PREROUTING', col: 6, row: 0, group: 'inbound' },
  { id: 'routing_decision', label: 'Routing Decision', col: 7, row: 0, group: 'inbound' },
  { id: 'nf_input', label: 'Netfilter INPUT', col: 7, row: 1, group: 'local' },
  { id: 'l4_rx', label: 'TCP/UDP', col: 7, row: 2, group: 'local' },
  { id: 'socket', label: 'Socket', col: 7, row: 3, group: 'local' },
  { id: 'nf_forward', label: 'Netfilter FORWARD', col: 6, row: 1, group: 'forward' },
  { id: 'nf_postrouting', label: 'Netfilter POSTROUTING', col: 6, row: 2, group: 'forward' },
  { id: 'nic_tx', label: 'NIC TX', col: 6, row: 3, group: 'forward' },
  { id: 'application', label: 'Application', col: 0, row: 4, group: 'outbound' },
  { id: 'l4_tx', label: 'TCP/UDP Output', col: 1, row: 4, group: 'outbound' },
  { id: 'nf_output', label: 'Netfilter OUTPUT', col: 2, row: 4, group: 'outbound' },
  { id: 'routing_lookup', label: 'Routing Lookup', col: 3, row: 4, group: 'outbound' },
  { id: 'nat_postrouting', label: 'NAT POSTROUTING', col: 4, row: 4, group: 'outbound' },
  { id: 'tc_egress', label: 'TC Egress', col: 5, row: 4, group: 'outbound' },
  { id: 'driver_tx', label: 'Driver TX', col: 6, row: 4, group: 'outbound' },
  { id: 'nic', label: 'NIC', col: 7, row: 4, group: 'outbound' },
  { id: 'other', label: 'Other', col: 0, row: 2, group: 'other' },
];

export const NODE_IDS = NODE_DEFS.map((d) => d.id);

export const NODE_LABELS: Record<string, string> = Object.fromEntries(NODE_DEFS.map((d) => [d.id, d.label]));

/** The pipeline's own edges, drawn even before any traffic crosses them. */
export const PIPELINE_EDGES: [string, string][] = [
  ['nic_rx', 'driver_napi'],
  ['driver_napi', 'gro'],
  ['gro', 'tc_ingress'],
  ['tc_ingress', 'nf_prerouting'],
  ['nf_prerouting', 'conntrack'],
  ['conntrack', 'nat_prerouting'],
  ['nat_prerouting', 'routing_decision'],
  ['routing_decision', 'nf_input'],
  ['nf_input', 'l4_rx'],
  ['l4_rx', 'socket'],
  ['routing_decision', 'nf_forward'],
  ['nf_forward', 'nf_postrouting'],
  ['nf_postrouting', 'nic_tx'],
  ['application', 'l4_tx'],
  ['l4_tx', 'nf_output'],
  ['nf_output', 'routing_lookup'],
  ['routing_lookup', 'nat_postrouting'],
  ['nat_postrouting', 'tc_egress'],
  ['tc_egress', 'driver_tx'],
  ['driver_tx', 'nic'],
];

export const HOOK_ORDER = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

export const PIPELINE_LABELS: Record<string, string> = {
  inbound: 'Inbound',
  outbound: 'Outbound',
  local_delivery: 'Local Delivery',
  forward: 'Forward',
};

/** Colour class of a verdict badge. */
export function verdictTone(verdict: string): 'ok' | 'bad' | 'warn' | 'info' {
  switch (verdict.toUpperCase()) {
    case 'ACCEPT':
    case 'CONTINUE':
    case 'RETURN':
      return 'ok';
    case 'DROP':
      return 'bad';
    case 'STOLEN':
    case 'QUEUE':
    case 'REPEAT':
      return 'warn';
    default:
      return 'info';
  }
}
