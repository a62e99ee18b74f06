// gcp_server - go-control-plane as a peer of xdsd in `make bench`: an ADS
// server (state of the world and delta) whose snapshot cache holds the very
// resources xdsd sent, so that loadgen can drive it exactly as it drives xdsd
// and bench/raw_server.c.
//
// It reads loadgen's --capture directory (files {sotw,delta}-{init,push}-TYPE-SEQ.bin,
// the responses of a state-of-the-world and a delta sidecar): the last SotW
// response of each type before the first push is the "init" set, the last
// one of each type during it is the "push" set. Every proxy is served those
// sidecar resources, whatever its class (xdsd gives gateways their own), as
// the raw server does. When a file in --watch DIR is written or renamed into
// place (inotify, as xdsd watches its config directory), a new snapshot is
// set: the push set, then the init set on the next trigger, and so on. Only
// the types that differ get a new version, as a careful user of the library
// would do; delta streams get the changed resources only (the cache hashes
// each resource).
//
//	gcp_server --listen HOST:PORT --capture DIR [--watch DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cache "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	resource "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	server "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	// the resource types an Any may name, registered for anypb.UnmarshalNew
	_ "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
)

// The short names in the capture files, in xdsd's order (src/snapshot.c).
var shorts = map[string]string{
	"cds": resource.ClusterType,
	"eds": resource.EndpointType,
	"lds": resource.ListenerType,
	"rds": resource.RouteType,
}

// oneNode gives every proxy the same cache key: one snapshot serves all.
type oneNode struct{}

func (oneNode) ID(*core.Node) string { return "all" }

// sets[phase][typeURL]: the resources of the last SotW response of that type.
type sets [2]map[string][]types.Resource

func loadCapture(dir string) (sets, error) {
	s := sets{{}, {}}
	names, err := filepath.Glob(filepath.Join(dir, "sotw-*.bin"))
	if err != nil {
		return s, err
	}
	// in lexical order, and sequence numbers are zero-padded: later wins
	for _, path := range names {
		f := strings.Split(filepath.Base(path), "-")
		if len(f) < 4 {
			continue
		}
		url, ok := shorts[f[2]]
		if !ok {
			continue
		}
		phase := 0
		if f[1] == "push" {
			phase = 1
		}
		buf, err := os.ReadFile(path)
		if err != nil {
			return s, err
		}
		var r discovery.DiscoveryResponse
		if err := proto.Unmarshal(buf, &r); err != nil {
			return s, fmt.Errorf("%s: %w", path, err)
		}
		items := make([]types.Resource, 0, len(r.Resources))
		for _, a := range r.Resources {
			m, err := anypb.UnmarshalNew(a, proto.UnmarshalOptions{})
			if err != nil {
				return s, fmt.Errorf("%s: %w", path, err)
			}
			items = append(items, m)
		}
		s[phase][url] = items
	}
	if len(s[0]) == 0 {
		return s, fmt.Errorf("no state-of-the-world responses captured in '%s'", dir)
	}
	return s, nil
}

// snapshots hands out the next snapshot on each trigger: the init set, the
// push set, the init set... Types the push set does not hold keep version
// v1; the others take the snapshot's sequence number.
type snapshots struct {
	sets sets
	n    int
}

func (p *snapshots) next() *cache.Snapshot {
	var snap cache.Snapshot
	p.n++
	for url, items := range p.sets[0] {
		version := "v1"
		if pushed, ok := p.sets[1][url]; ok {
			version = fmt.Sprintf("v%d", p.n)
			if p.n%2 == 0 {
				items = pushed
			}
		}
		snap.Resources[cache.GetResponseType(url)] = cache.NewResources(version, items)
	}
	return &snap
}

// onUSR1 collects the garbage, hands free pages back to the kernel, then
// prints the process's RSS, its live heap and its goroutines: what it would
// come down to by itself some minutes after a burst. Right after one, most
// of its RSS is send buffers that gRPC pooled, freed only by later
// collections.
func onUSR1() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	for range ch {
		runtime.GC()
		debug.FreeOSMemory()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		rss := ""
		if b, err := os.ReadFile("/proc/self/status"); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
					rss = f[1]
				}
			}
		}
		fmt.Printf("gc rss_kb=%s heap_live_kb=%d goroutines=%d\n",
			rss, m.HeapAlloc/1024, runtime.NumGoroutine())
	}
}

// watch calls push once for each read of inotify events on dir.
func watch(dir string, push func()) error {
	fd, err := syscall.InotifyInit1(syscall.IN_CLOEXEC)
	if err != nil {
		return err
	}
	if _, err := syscall.InotifyAddWatch(fd, dir, syscall.IN_MOVED_TO|syscall.IN_CLOSE_WRITE); err != nil {
		return err
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			if n, err := syscall.Read(fd, buf); err != nil || n <= 0 {
				return
			}
			push()
		}
	}()
	return nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:18000", "address to listen on")
	capture := flag.String("capture", "", "loadgen's --capture directory")
	watchDir := flag.String("watch", "", "directory whose writes trigger a push")
	flag.Parse()
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "gcp_server: "+format+"\n", args...)
		os.Exit(1)
	}
	if *capture == "" {
		fail("--capture DIR is required")
	}
	captured, err := loadCapture(*capture)
	if err != nil {
		fail("%v", err)
	}
	ctx := context.Background()
	snaps := &snapshots{sets: captured}
	c := cache.NewSnapshotCache(true, oneNode{}, nil)
	if err := c.SetSnapshot(ctx, "all", snaps.next()); err != nil {
		fail("%v", err)
	}
	if *watchDir != "" {
		err := watch(*watchDir, func() {
			if err := c.SetSnapshot(ctx, "all", snaps.next()); err != nil {
				fmt.Fprintf(os.Stderr, "gcp_server: %v\n", err)
			}
		})
		if err != nil {
			fail("cannot watch '%s': %v", *watchDir, err)
		}
	}
	go onUSR1()
	lis, err := net.Listen("tcp", *listen)
	if err != nil {
		fail("cannot listen on %s: %v", *listen, err)
	}
	// as xdsd and the raw server: streams are not limited per connection
	g := grpc.NewServer(grpc.MaxConcurrentStreams(100000))
	discovery.RegisterAggregatedDiscoveryServiceServer(g, server.NewServer(ctx, c, nil))
	fmt.Printf("gcp_server listening on %s\n", *listen)
	if err := g.Serve(lis); err != nil {
		fail("%v", err)
	}
}
