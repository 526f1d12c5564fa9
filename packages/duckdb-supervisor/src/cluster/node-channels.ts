import * as grpc from "@grpc/grpc-js";
import { CHANNEL_OPTIONS } from "../worker.js";

/** One channel per other node, by advertised address, kept for the life of the front. */
export class NodeChannels {
  private readonly clients = new Map<string, grpc.Client>();

  get(address: string): grpc.Client {
    let client = this.clients.get(address);
    if (!client) {
      client = new grpc.Client(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.clients.set(address, client);
    }
    return client;
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }
}
