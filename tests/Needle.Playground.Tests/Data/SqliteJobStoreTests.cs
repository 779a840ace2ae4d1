using System.Text.Json;
using Needle.Playground.Data;

namespace Needle.Playground.Tests.Data;

public sealed class SqliteJobStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("needle-store-").FullName;
    private string DbPath => Path.Combine(_dir, "jobs.db");

    public void Dispose() => PlaygroundFactory.TryDelete(_dir);

    private SqliteJobStore NewStore()
    {
        var store = new SqliteJobStore(DbPath);
        store.Initialize();
        return store;
    }

    [Fact]
    public void Created_job_is_queued_with_its_settings_and_survives_a_new_store_on_the_same_file()
    {
        var store = NewStore();
        var settings = JsonDocument.Parse("""{"steps":5}""").RootElement;
        var job = store.Create("selftest", settings);

        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Matches("^[0-9a-f]{12}$", job.Id);
        Assert.Null(job.StartedAt);

        var reopened = new SqliteJobStore(DbPath).Get(job.Id)!;
        Assert.Equal("selftest", reopened.Kind);
        Assert.Equal(5, reopened.Settings!.Value.GetProperty("steps").GetInt32());
        Assert.True(File.Exists(DbPath));
    }

    [Fact]
    public void Status_moves_set_start_and_finish_times_and_conditional_moves_respect_the_current_status()
    {
        var store = NewStore();
        var id = store.Create("selftest", null).Id;

        Assert.False(store.TryTransition(id, JobStatus.Running, JobStatus.Succeeded));
        Assert.True(store.TryTransition(id, JobStatus.Queued, JobStatus.Running));
        var running = store.Get(id)!;
        Assert.NotNull(running.StartedAt);
        Assert.Null(running.FinishedAt);

        Assert.True(store.SetStatus(id, JobStatus.Failed, "boom"));
        var failed = store.Get(id)!;
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal("boom", failed.Error);
        Assert.NotNull(failed.FinishedAt);
        Assert.True(failed.FinishedAt >= failed.StartedAt);
        Assert.False(store.SetStatus("nope", JobStatus.Failed));
    }

    [Fact]
    public void Log_lines_are_numbered_in_order_and_the_detail_keeps_the_newest_when_capped()
    {
        var store = NewStore();
        var id = store.Create("selftest", null).Id;
        var other = store.Create("selftest", null).Id;
        for (var i = 1; i <= 5; i++) Assert.Equal(i, store.AppendLog(id, $"line {i}"));
        Assert.Equal(1, store.AppendLog(other, "other job"));

        var all = store.GetDetail(id)!.Log;
        Assert.Equal(["line 1", "line 2", "line 3", "line 4", "line 5"], all.Select(l => l.Line));
        var last2 = store.GetDetail(id, maxLogLines: 2)!.Log;
        Assert.Equal([4L, 5L], last2.Select(l => l.Seq));
    }

    [Fact]
    public void Points_phase_and_metrics_round_trip()
    {
        var store = NewStore();
        var id = store.Create("selftest", null).Id;
        store.AddPoint(id, new JobPoint("train", 2, 1.25));
        store.AddPoint(id, new JobPoint("train", 1, 2.5));
        store.AddPoint(id, new JobPoint("val", 2, 1.5));
        store.SetPhase(id, "training");
        store.SetMetrics(id, JsonDocument.Parse("""{"callF1":0.75}""").RootElement);

        var detail = store.GetDetail(id)!;
        Assert.Equal([new JobPoint("train", 1, 2.5), new JobPoint("train", 2, 1.25), new JobPoint("val", 2, 1.5)], detail.Points);
        Assert.Equal("training", detail.Job.Phase);
        Assert.Equal(0.75, detail.Job.Metrics!.Value.GetProperty("callF1").GetDouble());
        Assert.Null(store.GetDetail("missing"));
    }

    [Fact]
    public void Initialize_marks_jobs_a_previous_process_left_queued_or_running_as_interrupted()
    {
        var first = NewStore();
        var queued = first.Create("selftest", null).Id;
        var running = first.Create("selftest", null).Id;
        first.TryTransition(running, JobStatus.Queued, JobStatus.Running);
        var done = first.Create("selftest", null).Id;
        first.TryTransition(done, JobStatus.Queued, JobStatus.Running);
        first.SetStatus(done, JobStatus.Succeeded);

        var second = new SqliteJobStore(DbPath);
        Assert.Equal(2, second.Initialize());

        Assert.Equal(JobStatus.Interrupted, second.Get(queued)!.Status);
        Assert.Equal(JobStatus.Interrupted, second.Get(running)!.Status);
        Assert.NotNull(second.Get(running)!.FinishedAt);
        Assert.Contains("Restart", second.Get(running)!.Error);
        Assert.Equal(JobStatus.Succeeded, second.Get(done)!.Status);
        Assert.Equal(0, new SqliteJobStore(DbPath).Initialize());
    }

    [Fact]
    public void List_is_newest_first()
    {
        var store = NewStore();
        var a = store.Create("selftest", null).Id;
        var b = store.Create("selftest", null).Id;
        Assert.Equal([b, a], store.List().Select(j => j.Id));
        Assert.Single(store.List(limit: 1));
    }

    [Fact]
    public void An_unknown_status_in_the_file_is_reported_as_bad_data()
    {
        var store = NewStore();
        var id = store.Create("selftest", null).Id;
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE jobs SET status = 'exploded' WHERE id = '{id}'";
            command.ExecuteNonQuery();
        }
        var ex = Assert.Throws<InvalidDataException>(() => store.Get(id));
        Assert.Contains("exploded", ex.Message);
    }
}
