using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Needle.Playground.Data;
using Needle.Playground.Options;
using Needle.Playground.Services;

namespace Needle.Playground.Jobs;

public static class JobsSetup
{
    /// <summary>The SQLite store, the queue, the worker, the hub publisher and the built-in job kinds.</summary>
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IJobStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<NeedleOptions>>().Value;
            var store = new SqliteJobStore(Path.Combine(options.DataDir, "jobs.db"));
            var interrupted = store.Initialize();
            if (interrupted > 0)
                sp.GetRequiredService<ILogger<SqliteJobStore>>().LogWarning("{Count} job(s) from a previous run were marked interrupted", interrupted);
            return store;
        });
        builder.Services.AddSingleton<JobQueue>();
        builder.Services.AddSingleton<JobEventPublisher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<JobEventPublisher>());
        builder.Services.AddHostedService<JobWorker>();
        builder.Services.AddSingleton<IJobService, JobService>();
        builder.Services.AddJobRunner<SelfTestJobRunner>();
        return builder;
    }

    /// <summary>Registers a job kind; the finetune and data-generation runners plug in with this one line.</summary>
    public static IServiceCollection AddJobRunner<TRunner>(this IServiceCollection services) where TRunner : class, IJobRunner
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobRunner, TRunner>());
        return services;
    }
}
