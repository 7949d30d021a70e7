using System.Security.Cryptography;
using System.Text;

namespace PaymentActors.Node.Security;

/// <summary>The HTTP API's roles: read (GET), ingest (POST /transactions), admin (everything, rule changes included).</summary>
public static class ApiRoles
{
    public const string Read = "read";
    public const string Ingest = "ingest";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Read, Ingest, Admin];
}

/// <summary>One entry of the node's key file: a name (recorded as the author of what the key does), a role, the key's SHA-256.</summary>
public sealed record ApiKeyEntry(string Name, string Role, byte[] Sha256);

/// <summary>
/// API keys as the node stores them: hashes only. File format (<c>--api-keys FILE</c>), one key a line,
/// <c>#</c> comments: <c>NAME ROLE SHA256-HEX</c>, e.g. <c>ops-admin admin 9f86d0…</c>. Keys are 32 random
/// bytes (base64url), so a fast hash is enough: nobody can guess a preimage of 256 random bits.
/// </summary>
public sealed class ApiKeyStore
{
    private readonly IReadOnlyList<ApiKeyEntry> _entries;

    public ApiKeyStore(IReadOnlyList<ApiKeyEntry> entries) => _entries = entries;

    public int Count => _entries.Count;

    public static ApiKeyStore Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ApiKeyFileException($"--api-keys: file '{path}' does not exist");
        }

        var entries = new List<ApiKeyEntry>();
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3)
            {
                throw new ApiKeyFileException($"--api-keys: {path} line {lineNumber}: expected 'NAME ROLE SHA256-HEX'");
            }

            if (!ApiRoles.All.Contains(parts[1]))
            {
                throw new ApiKeyFileException($"--api-keys: {path} line {lineNumber}: role '{parts[1]}' is not one of {string.Join(", ", ApiRoles.All)}");
            }

            byte[] hash;
            try
            {
                hash = Convert.FromHexString(parts[2]);
            }
            catch (FormatException)
            {
                hash = [];
            }

            if (hash.Length != 32)
            {
                throw new ApiKeyFileException($"--api-keys: {path} line {lineNumber}: the hash must be 64 hex digits (SHA-256 of the key), never the key itself");
            }

            entries.Add(new ApiKeyEntry(parts[0], parts[1], hash));
        }

        return new ApiKeyStore(entries);
    }

    /// <summary>The entry whose hash matches <paramref name="presentedKey"/> (compared in constant time), or null.</summary>
    public ApiKeyEntry? Find(string presentedKey)
    {
        var hash = Hash(presentedKey);
        ApiKeyEntry? found = null;
        foreach (var entry in _entries)
        {
            if (CryptographicOperations.FixedTimeEquals(entry.Sha256, hash))
            {
                found ??= entry;
            }
        }

        return found;
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>A new random key: 32 bytes, base64url without padding.</summary>
    public static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string FileLine(string name, string role, string key) => $"{name} {role} {Convert.ToHexString(Hash(key)).ToLowerInvariant()}";
}

public sealed class ApiKeyFileException(string message) : Exception(message);
