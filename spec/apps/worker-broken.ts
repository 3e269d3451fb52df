/**
 * A test app that cannot be loaded: its module throws while it is imported, as an app whose
 * database is unreachable at start might. A server with workers must exit 1 with this error
 * instead of replacing workers forever.
 *
 * @module worker-broken-app
 */

throw new Error('worker-broken: the database is unreachable');

export {};
