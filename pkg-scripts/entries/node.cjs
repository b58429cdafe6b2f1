"use strict";
// Node (require): the nodejs glue compiles the same .wasm synchronously. PubSubError comes from
// the very snippet module that glue requires, so `instanceof` matches the errors it throws.
const glue = require("./wasm_pubsub_node.cjs");
const { __configFromEnv, Bridge, Callbacks, Inbox, PubSub, Reply, Settler, Subscription, Topic, wasmMemoryBytes } = glue;
const { PubSubError } = require("./snippets/bus.cjs");
const { envReader, harden } = require("./snippets/front.cjs");

harden([PubSub, Topic, Subscription, Bridge, Reply], glue, [Inbox, Callbacks], Settler);
const configFromEnv = envReader(__configFromEnv);
module.exports = { Bridge, configFromEnv, PubSub, PubSubError, Subscription, Topic, wasmMemoryBytes };
