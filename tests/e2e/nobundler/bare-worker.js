// A module worker importing the package by the name the page's import map maps: Chromium
// does not apply a page's import map in its workers, so this fails to load.
import { PubSub } from "wasm-pubsub";

self.postMessage(typeof PubSub);
