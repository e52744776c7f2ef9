/** Events in one canonical order: by part, then whole, then value. */
export function sortEvents(events) {
  const key = (e) => [e.part[0], e.part[1], e.whole?.[0] ?? '', e.whole?.[1] ?? '', JSON.stringify(canonical(e.value))];
  const num = (s) => {
    const [n, d = '1'] = String(s).split('/');
    return Number(n) / Number(d);
  };
  return events
    .map((e) => ({ e, k: key(e) }))
    .sort((a, b) => {
      for (let i = 0; i < 4; i++) {
        const x = num(a.k[i] || 0) - num(b.k[i] || 0);
        if (x !== 0) return x;
      }
      return a.k[4] < b.k[4] ? -1 : a.k[4] > b.k[4] ? 1 : 0;
    })
    .map((x) => x.e);
}


/** A value with its object keys sorted (key order does not matter). */
export function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  }
  return v;
}
