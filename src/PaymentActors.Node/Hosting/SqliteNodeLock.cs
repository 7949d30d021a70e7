using Microsoft.Data.Sqlite;
using PaymentActors.Cluster.Hosting;

namespace PaymentActors.Node.Hosting;

/// <summary>
/// SQLite is for one node. A second node on the same file would interleave sequence numbers of the
/// same accounts, so the second one refuses to start with a clear error.
/// </summary>
public sealed class SqliteNodeLock : IDisposable
{
    private readonly FileStream? _lock;

    private SqliteNodeLock(FileStream? fileLock) => _lock = fileLock;

    public static SqliteNodeLock Acquire(PaymentsNodeSettings settings)
    {
        if (settings.Database != DatabaseKind.Sqlite)
        {
            return new SqliteNodeLock(null);
        }

        var file = new SqliteConnectionStringBuilder(settings.EffectiveConnectionString).DataSource;
        if (string.IsNullOrEmpty(file) || file == ":memory:")
        {
            return new SqliteNodeLock(null);
        }

        var path = Path.GetFullPath(file) + ".node-lock";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            return new SqliteNodeLock(stream);
        }
        catch (IOException)
        {
            throw new CliException(
                $"db: another node already uses the SQLite file {Path.GetFullPath(file)}. SQLite serves one node only; " +
                "run a multi-node cluster with --db postgres --connection \"...\", or give this node its own --data-dir.");
        }
    }

    public void Dispose() => _lock?.Dispose();
}
