import { LookupAddress, lookup } from 'node:dns';
import { isIP } from 'node:net';

/** IPv4 ranges a webhook must not reach (RFC 6890 special-purpose): [first octets as number, prefix, what]. */
const IPV4_REFUSED: [string, number, string][] = [
  ['0.0.0.0', 8, 'an unspecified ("this network") address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a carrier-grade NAT address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (cloud metadata lives here)'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'an IETF protocol address'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
];

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function ipv4Problem(ip: string): string | null {
  const n = ipv4ToNumber(ip);
  for (const [base, prefix, what] of IPV4_REFUSED) {
    const size = 2 ** (32 - prefix);
    const start = ipv4ToNumber(base);
    if (n >= start && n < start + size) return what;
  }
  return null;
}

/** The eight 16-bit groups of an IPv6 address (with a trailing dotted IPv4 part, zone id dropped). */
export function ipv6Groups(ip: string): number[] {
  let text = ip.split('%')[0].toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ipv4ToNumber(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.map((g) => parseInt(g, 16));
}

function embeddedIpv4(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function ipv6Problem(ip: string): string | null {
  const g = ipv6Groups(ip);
  if (g.length !== 8 || g.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffff)) return 'not a valid IPv6 address';
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'an unspecified address';
  if (zeroUpTo(7) && g[7] === 1) return 'a loopback address';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d): judge the IPv4 inside.
  if (zeroUpTo(5) && (g[5] === 0xffff || g[5] === 0)) return ipv4Problem(embeddedIpv4(g[6], g[7]));
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return ipv4Problem(embeddedIpv4(g[6], g[7]));
  // 6to4 (2002:a.b.c.d::/48).
  if (g[0] === 0x2002) return ipv4Problem(embeddedIpv4(g[1], g[2]));
  if ((g[0] & 0xfe00) === 0xfc00) return 'a unique-local address';
  if ((g[0] & 0xffc0) === 0xfe80) return 'a link-local address';
  if ((g[0] & 0xffc0) === 0xfec0) return 'a site-local address';
  if ((g[0] & 0xff00) === 0xff00) return 'a multicast address';
  if (g[0] === 0x2001 && g[1] === 0x0db8) return 'a documentation address';
  if (g[0] === 0x2001 && g[1] === 0) return 'a Teredo tunnel address';
  if (g[0] === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return 'a discard address';
  return null;
}

/** Why a webhook must not connect to this IP address (private, loopback, link-local…), or null when it may. */
export function addressProblem(ip: string): string | null {
  const version = isIP(ip.split('%')[0]);
  if (version === 4) return ipv4Problem(ip);
  if (version === 6) return ipv6Problem(ip);
  return 'not an IP address';
}

function lookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => lookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Why a webhook to `url` must be refused (the host resolves to a refused address, or does not
 * resolve), or null. Every address the name resolves to must be allowed.
 */
export async function targetProblem(url: URL, allowPrivate: boolean): Promise<string | null> {
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookupAll(host)).map((a) => a.address);
    } catch (err) {
      return `its host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
  }
  if (allowPrivate) return null;
  for (const address of addresses) {
    const problem = addressProblem(address);
    if (problem) return `its host ${host} is ${address === host ? '' : `resolved to ${address}, `}${problem}; such targets are refused (the service allows them only with WEBHOOK_ALLOW_PRIVATE_TARGETS=true)`;
  }
  return null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that refuses connections to refused addresses. The check runs on the
 * very address the socket connects to, so a name that resolves elsewhere on a second look-up (DNS
 * rebinding) cannot slip through between a check and the connection.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number } | number, callback: LookupCallback): void => {
    const wantsAll = typeof options === 'object' && options.all === true;
    lookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, wantsAll ? [] : '', 0);
      if (!allowPrivate) {
        const refused = addresses.map((a) => ({ a, problem: addressProblem(a.address) })).find((x) => x.problem);
        if (refused) {
          const error: NodeJS.ErrnoException = new Error(`refused: ${hostname} resolved to ${refused.a.address}, ${refused.problem}`);
          error.code = 'EREFUSEDTARGET';
          return callback(error, wantsAll ? [] : '', 0);
        }
      }
      if (wantsAll) return callback(null, addresses);
      const first = addresses[0];
      callback(null, first.address, first.family);
    });
  };
}
