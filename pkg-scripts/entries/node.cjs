"use strict";
// Node (require): the nodejs glue compiles the same .wasm synchronously. PubSubError comes from
// the very snippet module that glue requires, so `instanceof` matches the errors it throws.
const { __configFromEnv, Bridge, Callbacks, Inbox, PubSub, Reply, Subscription, Topic, wasmMemoryBytes, __wbg_stack_pointer } = require("./wasm_pubsub_node.cjs");
const { PubSubError } = require("./snippets/bus.cjs");
const { envReader, harden } = require("./snippets/front.cjs");

harden([PubSub, Topic, Subscription, Bridge, Reply], __wbg_stack_pointer, [Inbox, Callbacks]);
const configFromEnv = envReader(__configFromEnv);
module.exports = { Bridge, configFromEnv, PubSub, PubSubError, Subscription, Topic, wasmMemoryBytes };
