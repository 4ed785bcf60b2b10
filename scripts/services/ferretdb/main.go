// Command tributary-ferretdb runs FerretDB v1 (a MongoDB wire-protocol server)
// for Tributary's integration tests.
//
// It is a thin wrapper around the embeddable package
// github.com/FerretDB/FerretDB/ferretdb rather than FerretDB's own cmd/ferretdb:
// built with `go install`, that command panics at start because the generated
// build/version/version.txt is not part of the module (FerretDB issue #2982).
// With a different main module the version check is skipped.
//
// Started by scripts/testenv; stops cleanly on SIGTERM/SIGINT.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", "", "SQLite URI of an existing directory, e.g. file:/abs/dir/")
	pgURL := flag.String("postgresql-url", "", "PostgreSQL URL for the postgresql handler")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       *handler,
		SQLiteURL:     *sqliteURL,
		PostgreSQLURL: *pgURL,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "tributary-ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("tributary-ferretdb starting", "listen", *listen, "handler", *handler)
	go func() {
		// Run initialises the listener; report readiness once the URI is known.
		logger.Info("tributary-ferretdb ready", "uri", f.MongoDBURI())
	}()
	if err := f.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "tributary-ferretdb: %v\n", err)
		os.Exit(1)
	}
	logger.Info("tributary-ferretdb stopped")
}
