using System.Text.Json;
using System.Text.RegularExpressions;
using PaymentActors.Node.Tests.Harness;

namespace PaymentActors.Node.Tests.Observability;

/// <summary>GET /openapi/v1.json of a real node lists exactly the API requests of the README's HTTP table.</summary>
public sealed partial class OpenApiTests
{
    // Served by the node but not API operations: the dashboard, metrics, health probes and the document itself.
    private static readonly HashSet<string> NotInDocument = ["GET /", "GET /metrics", "GET /healthz", "GET /readyz", "GET /openapi/v1.json"];

    [Fact]
    public async Task The_openapi_document_matches_the_readme_http_table()
    {
        await using var node = SingleNodeProcess.Start("--db", "memory");
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var document = await node.GetAsync("openapi/v1.json");
        Assert.Equal(200, document?.Status);

        var documented = new HashSet<string>();
        foreach (var path in JsonDocument.Parse(document!.Value.Body).RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                documented.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
                Assert.True(operation.Value.TryGetProperty("summary", out _), $"{operation.Name} {path.Name} has no summary");
            }
        }

        var readme = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "README.md"));
        var listed = TableRow().Matches(readme).Select(m => $"{m.Groups["method"].Value} {m.Groups["path"].Value}").ToHashSet();
        Assert.NotEmpty(listed);
        Assert.Equal(listed.Except(NotInDocument).Order(), documented.Order());
    }

    // "| `GET /windows?window=…` |" → GET /windows (the query string is not part of the path).
    [GeneratedRegex(@"^\| `(?<method>GET|POST|PUT|DELETE) (?<path>/[^`?\s]*)[^`]*` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
