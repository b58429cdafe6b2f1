"use strict";
// Node (require): the nodejs glue compiles the same .wasm synchronously. PubSubError comes from
// the very snippet module that glue requires, so `instanceof` matches the errors it throws.
const glue = require("./wasm_pubsub_node.cjs");
const { PubSubError } = require("@SNIPPET@");

module.exports = { ...glue, PubSubError };
