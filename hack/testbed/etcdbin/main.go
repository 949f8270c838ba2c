// Command etcd is a one-file wrapper around etcdmain: go install cannot build
// go.etcd.io/etcd/server/v3 directly because its go.mod has replace directives.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
