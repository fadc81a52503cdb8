#!/bin/sh
# `make run`: starts a one-node ckube server in the foreground and says how to use kubectl.
# Usage: scripts/run.sh BINARY DATA_DIR PORT
set -e
bin=$1
dir=$2
port=$3
mkdir -p "$dir"
cat <<MSG
Starting ckube server (data dir $dir, port $port). Stop it with Ctrl-C.

Admin kubeconfig: $dir/admin.kubeconfig
Use kubectl:
  export KUBECONFIG=$dir/admin.kubeconfig
  kubectl get namespaces
or: CKUBE_DATA_DIR=$dir $bin kubectl get pods -A

MSG
exec "$bin" server --data-dir "$dir" --secure-port "$port"
