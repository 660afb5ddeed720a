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
 * `build` must return an object with a prototype (every zod schema has one): a placeholder without one is unbuilt.
 */
export function lazySchema<S extends object>(build: () => S): S {
  const twin = Object.create(null) as S;
  pending.set(twin, build);
  return new Proxy(twin, handler) as S;
}

/** The definitions of placeholders not built yet (a placeholder has a prototype once it is built). */
const pending = new WeakMap<object, () => object>();

/** Makes `twin` the schema's twin, building the schema if it is not built yet. */
function materialize(twin: object): void {
  if (Object.getPrototypeOf(twin) !== null) return;
  const build = pending.get(twin);
  // Not pending and not built: it is being built. A definition whose construction needs itself would otherwise
  // see an empty twin (recursion goes through a getter in the shape, which runs later).
  if (build === undefined) throw new Error("lazySchema: a schema's definition uses the schema itself");
  pending.delete(twin);
  let schema: object;
  try {
    schema = build();
  } catch (err) {
    pending.set(twin, build);
    throw err;
  }
  Object.defineProperties(twin, Object.getOwnPropertyDescriptors(schema));
  Object.setPrototypeOf(twin, Object.getPrototypeOf(schema));
}

/** Every trap that applies to an ordinary object (not `apply`/`construct`): build, then act on the twin. */
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

/** One handler for every placeholder (a definition costs a placeholder and a Proxy, no closures). */
const handler: ProxyHandler<object> = {};
for (const trap of TRAPS) {
  const reflect = Reflect[trap] as (target: object, ...rest: unknown[]) => unknown;
  (handler as Record<string, unknown>)[trap] = (target: object, ...rest: unknown[]) => {
    materialize(target);
    return reflect(target, ...rest);
  };
}
