using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Needle.Playground.Data;

/// <summary>
/// Jobs, their log lines and loss points in one SQLite file (WAL mode, so the pages read while the worker writes).
/// A connection per call: Microsoft.Data.Sqlite pools them, and no connection is shared across threads.
/// </summary>
public sealed class SqliteJobStore(string databasePath) : IJobStore
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private readonly Lock _logGate = new();

    public string DatabasePath { get; } = databasePath;

    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS jobs (
            id          TEXT PRIMARY KEY,
            kind        TEXT NOT NULL,
            status      TEXT NOT NULL,
            phase       TEXT,
            created_at  TEXT NOT NULL,
            started_at  TEXT,
            finished_at TEXT,
            settings    TEXT,
            metrics     TEXT,
            error       TEXT
        );
        CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at DESC);
        CREATE TABLE IF NOT EXISTS job_logs (
            job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            seq    INTEGER NOT NULL,
            at     TEXT NOT NULL,
            line   TEXT NOT NULL,
            PRIMARY KEY (job_id, seq)
        );
        CREATE TABLE IF NOT EXISTS job_points (
            job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            series TEXT NOT NULL,
            step   INTEGER NOT NULL,
            value  REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS job_points_job ON job_points (job_id, series, step);
        """;

    private const string Columns = "id, kind, status, phase, created_at, started_at, finished_at, settings, metrics, error";

    public int Initialize()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(DatabasePath))!);
        using var connection = Open();
        Execute(connection, Schema);
        // Nothing can still be running: this process has not started any job yet.
        return Execute(connection,
            "UPDATE jobs SET status = $to, finished_at = COALESCE(finished_at, $now), error = COALESCE(error, $why) WHERE status IN ('queued', 'running')",
            ("$to", JobStatus.Interrupted.ToName()), ("$now", Now()), ("$why", "The app stopped before this job finished. Restart it to run it again."));
    }

    public JobSummary Create(string kind, JsonElement? settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        using var connection = Open();
        Execute(connection, "INSERT INTO jobs (id, kind, status, created_at, settings) VALUES ($id, $kind, $status, $now, $settings)",
            ("$id", id), ("$kind", kind), ("$status", JobStatus.Queued.ToName()), ("$now", Now()), ("$settings", settings?.GetRawText()));
        return Get(id)!;
    }

    public JobSummary? Get(string id)
    {
        using var connection = Open();
        return Query(connection, $"SELECT {Columns} FROM jobs WHERE id = $id", ReadJob, ("$id", id)).FirstOrDefault();
    }

    public JobDetail? GetDetail(string id, int maxLogLines = 2000)
    {
        using var connection = Open();
        var job = Query(connection, $"SELECT {Columns} FROM jobs WHERE id = $id", ReadJob, ("$id", id)).FirstOrDefault();
        if (job is null) return null;
        var log = Query(connection,
            "SELECT seq, at, line FROM (SELECT seq, at, line FROM job_logs WHERE job_id = $id ORDER BY seq DESC LIMIT $n) ORDER BY seq",
            r => new JobLogLine(r.GetInt64(0), ParseTime(r.GetString(1)), r.GetString(2)), ("$id", id), ("$n", maxLogLines));
        var points = Query(connection, "SELECT series, step, value FROM job_points WHERE job_id = $id ORDER BY series, step, rowid",
            r => new JobPoint(r.GetString(0), r.GetInt64(1), r.GetDouble(2)), ("$id", id));
        return new JobDetail(job, log, points);
    }

    public IReadOnlyList<JobSummary> List(int limit = 200)
    {
        using var connection = Open();
        return Query(connection, $"SELECT {Columns} FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT $n", ReadJob, ("$n", limit));
    }

    public bool SetStatus(string id, JobStatus status, string? error = null) => Move(id, from: null, status, error);

    public bool TryTransition(string id, JobStatus from, JobStatus to, string? error = null) => Move(id, from, to, error);

    private bool Move(string id, JobStatus? from, JobStatus to, string? error)
    {
        var sets = "status = $to, error = COALESCE($error, error)";
        if (to == JobStatus.Running) sets += ", started_at = $now, finished_at = NULL, error = NULL";
        else if (!to.IsActive()) sets += ", finished_at = COALESCE(finished_at, $now)";
        var where = from is null ? "id = $id" : "id = $id AND status = $from";
        using var connection = Open();
        return Execute(connection, $"UPDATE jobs SET {sets} WHERE {where}",
            ("$to", to.ToName()), ("$error", error), ("$now", Now()), ("$id", id), ("$from", from?.ToName())) == 1;
    }

    public void SetPhase(string id, string phase)
    {
        using var connection = Open();
        Execute(connection, "UPDATE jobs SET phase = $phase WHERE id = $id", ("$phase", phase), ("$id", id));
    }

    public void SetMetrics(string id, JsonElement metrics)
    {
        using var connection = Open();
        Execute(connection, "UPDATE jobs SET metrics = $m WHERE id = $id", ("$m", metrics.GetRawText()), ("$id", id));
    }

    public long AppendLog(string id, string line)
    {
        // seq is MAX+1: two writers for one job (the runner and a restart note) must not read the same MAX.
        using var _ = _logGate.EnterScope();
        using var connection = Open();
        using var command = Command(connection,
            "INSERT INTO job_logs (job_id, seq, at, line) SELECT $id, COALESCE(MAX(seq), 0) + 1, $now, $line FROM job_logs WHERE job_id = $id RETURNING seq",
            [("$id", id), ("$now", Now()), ("$line", line)]);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void AddPoint(string id, JobPoint point)
    {
        using var connection = Open();
        Execute(connection, "INSERT INTO job_points (job_id, series, step, value) VALUES ($id, $s, $step, $v)",
            ("$id", id), ("$s", point.Series), ("$step", point.Step), ("$v", point.Value));
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static List<T> Query<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            if (sql.Contains(name, StringComparison.Ordinal)) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private static JobSummary ReadJob(SqliteDataReader r) => new(
        Id: r.GetString(0),
        Kind: r.GetString(1),
        Status: JobStatusNames.Parse(r.GetString(2)),
        Phase: r.IsDBNull(3) ? null : r.GetString(3),
        CreatedAt: ParseTime(r.GetString(4)),
        StartedAt: r.IsDBNull(5) ? null : ParseTime(r.GetString(5)),
        FinishedAt: r.IsDBNull(6) ? null : ParseTime(r.GetString(6)),
        Settings: r.IsDBNull(7) ? null : ParseJson(r.GetString(7)),
        Metrics: r.IsDBNull(8) ? null : ParseJson(r.GetString(8)),
        Error: r.IsDBNull(9) ? null : r.GetString(9));

    private static JsonElement ParseJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
