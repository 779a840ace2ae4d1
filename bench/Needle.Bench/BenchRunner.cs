namespace Needle.Bench;

/// <summary>One benchmark; found by reflection so adding one is adding a file.</summary>
public interface IBenchmark
{
    string Name { get; }
    string Description { get; }
    Task<int> RunAsync(string[] args, CancellationToken ct);
}

public static class BenchRunner
{
    public static async Task<int> RunAsync(string[] args)
    {
        var all = typeof(BenchRunner).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
        var chosen = args.Length > 0 ? all.FirstOrDefault(b => b.Name == args[0]) : null;
        if (chosen is null)
        {
            Console.WriteLine("usage: Needle.Bench <name> [args]");
            foreach (var b in all) Console.WriteLine($"  {b.Name,-12} {b.Description}");
            return args.Length > 0 ? 2 : 0;
        }
        Console.WriteLine($"# {chosen.Name} · {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · {Environment.ProcessorCount} cores · " +
                          $"Vector512={System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}");
        return await chosen.RunAsync(args[1..], CancellationToken.None);
    }
}
