// Command graphemu runs the emulated Microsoft Graph and Entra token endpoint
// of package graphemu as a program, for the demo, the benchmark and manual
// runs:
//
//	go run ./internal/cmd/graphemu --users 10000 --env-file .graphemu.env
//
// It generates a tenant, prints its Graph URL, token URL, tenant id, client
// id and secret and the CA file, writes them as shell-sourceable KEY=VALUE
// lines to --env-file once it is ready to serve, and serves until SIGINT or
// SIGTERM, then shuts down gracefully and removes the files it created.
//
// It imports nothing of this module but the emulator.
package main
