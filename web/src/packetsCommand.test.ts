import { describe, expect, it } from 'vitest';
import { packetsCommand } from './components/PacketsTab';

describe('the Packets tab as a command line', () => {
  it('gives each filter as the option of the same name, over the downloaded recording', () => {
    expect(packetsCommand('session_1', { node: 'conntrack', min_latency_us: '40.5' }))
      .toBe('./skbscope packets session_1.jsonl.gz --node conntrack --min-latency-us 40.5');
    expect(packetsCommand('s', { drop_reason: 'NO_SOCKET', host: '10.0.0.0/8', since: '-30s', from: 'recording', port: '' }))
      .toBe('./skbscope packets s.jsonl.gz --drop-reason NO_SOCKET --host 10.0.0.0/8 --since -30s');
  });

  it('quotes what the shell would read otherwise', () => {
    expect(packetsCommand('my session', { node: "it's; rm -rf /" }))
      .toBe("./skbscope packets 'my session.jsonl.gz' --node 'it'\\''s; rm -rf /'");
  });
});
