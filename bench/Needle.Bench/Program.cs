using Needle.Bench;

// dotnet run -c Release --project bench/Needle.Bench -- <name> [args]   (no name: list the benchmarks)
return await BenchRunner.RunAsync(args);
