/**
 * Sample events for `isa demo`: the guide's user_events columns, a month of them,
 * the same every run (a fixed-seed generator) so the demo's output is reproducible.
 */
export function sampleEventsCsv(count = 1000, month = "2024-01"): string {
  const types = [
    { name: "page_view", weight: 50, duration: 30, value: 0 },
    { name: "click", weight: 25, duration: 2, value: 0 },
    { name: "search", weight: 12, duration: 8, value: 0 },
    { name: "add_to_cart", weight: 8, duration: 5, value: 25 },
    { name: "purchase", weight: 5, duration: 60, value: 80 },
  ];
  const totalWeight = types.reduce((sum, type) => sum + type.weight, 0);
  let seed = 42;
  const random = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lines = ["event_type,date,duration,value,user_id"];
  for (let i = 0; i < count; i++) {
    let pick = random() * totalWeight;
    const type =
      types.find((candidate) => {
        pick -= candidate.weight;
        return pick < 0;
      }) ?? types[0]!;
    const day = String(1 + Math.floor(random() * 31)).padStart(2, "0");
    const duration = (type.duration * (0.5 + random())).toFixed(1);
    const value = type.value === 0 ? "" : (type.value * (0.5 + random())).toFixed(2);
    const visitor = `visitor-${1 + Math.floor(random() * 20)}`;
    lines.push(`${type.name},${month}-${day},${duration},${value},${visitor}`);
  }
  return `${lines.join("\n")}\n`;
}
