export type { EtcdServer, StartEtcdOptions } from "./start-etcd.js";
export { startEtcd } from "./start-etcd.js";
