namespace PaymentActors.Testing;

/// <summary>How a test node process is secured: its TLS and API key flags, and an HTTP client (trusting the cluster CA, with a key) for its API.</summary>
public sealed record NodeSecurity(IReadOnlyList<string> Arguments, HttpClient? Http, bool Tls)
{
    /// <summary>An explicit <c>--insecure</c>: plain remoting, HTTP without authentication.</summary>
    public static readonly NodeSecurity Insecure = new(["--insecure"], null, false);
}
