"use strict";
// Node (require): the nodejs glue compiles the same .wasm synchronously. PubSubError comes from
// the very snippet module that glue requires, so `instanceof` matches the errors it throws.
const { __wbg_stack_pointer, ...glue } = require("./wasm_pubsub_node.cjs");
const { PubSubError, harden } = require("./snippets/bus.cjs");

harden([glue.PubSub, glue.Topic, glue.Subscription, glue.Bridge], __wbg_stack_pointer);
module.exports = { ...glue, PubSubError };
