// The Service range every test control plane allocates ClusterIPs from; the
// kubernetes Service (the API server, for in-cluster clients) takes its first address.
export const SERVICE_CIDR = '10.0.0.0/24';
export const KUBERNETES_SERVICE_IP = '10.0.0.1';
export const CLUSTER_DOMAIN = 'cluster.local';
