import { compileTimeFormat, type TimeFormat } from "../../src/time/compile-format.js";
import { TimeReader } from "../../src/time/time-reader.js";
import { type DstPolicy, ZoneResolver } from "../../src/time/zone.js";

/** A reader of these formats in this zone, as a source's time field compiles one. */
export function reader(formats: string | string[], zone?: string, dst: DstPolicy = "reject") {
  const compiled = [formats].flat().map((f) => {
    const format = compileTimeFormat(f);
    if (typeof format === "string") throw new Error(format);
    return format as TimeFormat;
  });
  return new TimeReader(compiled, zone === undefined ? undefined : new ZoneResolver(zone, dst));
}
