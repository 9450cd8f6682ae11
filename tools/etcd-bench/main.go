// etcd-bench measures raw etcd put throughput with etcd's own Go client (clientv3): the floor that
// evk's store is compared against in `npm run bench:store`. It prints one JSON line.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:2379", "etcd client URL")
	total := flag.Int("n", 10000, "puts to issue")
	concurrency := flag.Int("concurrency", 64, "puts in flight")
	valueSize := flag.Int("value-size", 1024, "bytes per value")
	prefix := flag.String("prefix", "/bench/raw/", "key prefix")
	flag.Parse()

	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd-bench:", err)
		os.Exit(1)
	}
	defer cli.Close()
	value := strings.Repeat("x", *valueSize)
	var next, failed int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i > int64(*total) {
					return
				}
				if _, err := cli.Put(context.Background(), fmt.Sprintf("%s%08d", *prefix, i), value); err != nil {
					atomic.AddInt64(&failed, 1)
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	out, _ := json.Marshal(map[string]any{"puts": *total, "failed": failed, "seconds": secs, "putsPerSec": float64(*total) / secs})
	fmt.Println(string(out))
}
