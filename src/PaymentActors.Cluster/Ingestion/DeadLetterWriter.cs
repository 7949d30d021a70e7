using System.Text;
using System.Text.Json;
using PaymentActors.Domain.Ingestion;

namespace PaymentActors.Cluster.Ingestion;

/// <summary>Writes dead letters as JSON Lines: source, line, raw (truncated), field, reason. Thread-safe.</summary>
public sealed class DeadLetterWriter(TextWriter writer, Action<DeadLetter>? observer = null) : IDisposable
{
    private readonly Lock _gate = new();

    public long Written { get; private set; }

    public static DeadLetterWriter ToFile(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return new DeadLetterWriter(new StreamWriter(path, append: true, new UTF8Encoding(false)));
    }

    public void Write(DeadLetter d)
    {
        observer?.Invoke(d);
        var json = JsonSerializer.Serialize(new { source = d.Source, line = d.Line, raw = d.Raw, field = d.Field, reason = d.Reason });
        lock (_gate)
        {
            writer.Write(json);
            writer.Write('\n');
            Written++;
        }
    }

    public void Flush()
    {
        lock (_gate)
        {
            writer.Flush();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            writer.Dispose();
        }
    }
}
