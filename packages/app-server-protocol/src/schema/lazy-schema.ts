/**
 * A schema built the first time anything touches it. The 0.58.0 definitions are several hundred zod schemas; built
 * when the module loads, they were the largest part of a server's start (zod's constructors and the garbage they
 * leave), while a session decodes a handful of them. A definition wrapped here is built on its first use: the first
 * decode of a method, the first walk of the exporters, the first hint lookup.
 *
 * What is exported is a Proxy standing for the schema: the placeholder behind it becomes the schema's twin when it
 * is built (the schema's own properties, sharing its `_zod` internals, and its prototype), so every operation, and
 * zod's `instanceof`, sees the schema; identity is the Proxy's, which is what every reference (shapes, the registry,
 * hints, the exporters' registry) holds, since they are all made from the exported value.
 */
export function lazySchema<S extends object>(build: () => S): S {
  const twin = Object.create(null) as S;
  let state: "lazy" | "building" | "built" = "lazy";
  const materialize = (): void => {
    if (state === "built") return;
    // A definition whose construction needs itself would otherwise see an empty twin (recursion goes through a
    // getter in the shape, which runs later).
    if (state === "building") throw new Error("lazySchema: a schema's definition uses the schema itself");
    state = "building";
    let schema: S;
    try {
      schema = build();
    } catch (err) {
      state = "lazy";
      throw err;
    }
    Object.defineProperties(twin, Object.getOwnPropertyDescriptors(schema));
    Object.setPrototypeOf(twin, Object.getPrototypeOf(schema));
    state = "built";
  };
  const handler: ProxyHandler<S> = {};
  for (const trap of TRAPS) {
    const reflect = Reflect[trap] as (...args: unknown[]) => unknown;
    (handler as Record<string, unknown>)[trap] = (...args: unknown[]) => {
      materialize();
      return reflect(...args);
    };
  }
  return new Proxy(twin, handler);
}

/** Every trap that applies to an ordinary object (not `apply`/`construct`). */
const TRAPS = [
  "defineProperty",
  "deleteProperty",
  "get",
  "getOwnPropertyDescriptor",
  "getPrototypeOf",
  "has",
  "isExtensible",
  "ownKeys",
  "preventExtensions",
  "set",
  "setPrototypeOf",
] as const;
