// wasm-pubsub/nats in a Node project (nodenext): a TCP connection from @nats-io/transport-node.
import { connect } from "@nats-io/transport-node";
import { PubSub } from "wasm-pubsub";
import { natsBridge } from "wasm-pubsub/nats";

const bus = new PubSub();
const nc = await connect({ servers: "127.0.0.1:4222", noEcho: true });
const bridge = natsBridge(bus, nc, { prefix: "app" });
const { sent, pending }: { sent: number; pending: number } = bridge.stats();
console.log(sent, pending);
// @ts-expect-error a connection is required
natsBridge(bus, undefined, { prefix: "app" });
