import { addressProblem, guardedLookup, ipv6Groups, targetProblem } from './ssrf';

describe('SSRF guard', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.8.9.10', /loopback/],
    ['169.254.169.254', /link-local/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /carrier-grade/],
    ['0.0.0.0', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /reserved/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['fc00::1', /unique-local/],
    ['fd12:3456::1', /unique-local/],
    ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:7f00:1', /loopback/],
    ['::ffff:169.254.169.254', /link-local/],
    ['::ffff:a9fe:a9fe', /link-local/],
    ['64:ff9b::a9fe:a9fe', /link-local/],
    ['2002:a9fe:a9fe::1', /link-local/],
    ['::127.0.0.1', /loopback/],
  ])('refuses %s', (ip, reason) => {
    expect(addressProblem(ip)).toMatch(reason);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:0808:0808::1'])('allows the public address %s', (ip) => {
    expect(addressProblem(ip)).toBeNull();
  });

  it('expands IPv6 addresses', () => {
    expect(ipv6Groups('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Groups('2001:db8::8:1')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 8, 1]);
    expect(ipv6Groups('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
  });

  it('judges URLs by every address their host resolves to, unless private targets are allowed', async () => {
    expect(await targetProblem(new URL('http://169.254.169.254/latest/meta-data'), false)).toMatch(/link-local.*WEBHOOK_ALLOW_PRIVATE_TARGETS/);
    expect(await targetProblem(new URL('http://[::1]:8080/hook'), false)).toMatch(/loopback/);
    expect(await targetProblem(new URL('http://localhost:8080/hook'), false)).toMatch(/resolved to .*loopback/);
    expect(await targetProblem(new URL('http://127.0.0.1:8080/hook'), true)).toBeNull();
    expect(await targetProblem(new URL('http://name-that-does-not-resolve.invalid/'), true)).toMatch(/does not resolve/);
  });

  it('refuses at connection time a name that resolves to a refused address (DNS rebinding)', async () => {
    const lookup = guardedLookup(false);
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('localhost', { all: true }, (err) => resolve(err)));
    expect(error?.code).toBe('EREFUSEDTARGET');
    const allowed = await new Promise<unknown>((resolve) => guardedLookup(true)('localhost', {}, (err, address) => resolve(err ?? address)));
    expect(allowed).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});
