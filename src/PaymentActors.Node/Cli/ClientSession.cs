using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Node.Hosting;

namespace PaymentActors.Node.Cli;

/// <summary>A short-lived client node for the CLI verbs: joins through <c>--contact</c>, does one thing, leaves.</summary>
public sealed class ClientSession : IAsyncDisposable
{
    private readonly IHost _host;

    private ClientSession(IHost host, ActorSystem system, IActorRef region, string author)
    {
        Author = author;
        _host = host;
        Registry = host.Services.GetRequiredService<ActorRegistry>();
        System = system;
        Region = region;
        Client = new PaymentsClient(region, TimeSpan.FromSeconds(20));
    }

    public ActorSystem System { get; }
    public ActorRegistry Registry { get; }
    public IActorRef Region { get; }
    public PaymentsClient Client { get; }

    /// <summary>Who this client is, for audit logs: its certificate's subject (or "insecure-client").</summary>
    public string Author { get; }

    public static async Task<ClientSession> ConnectAsync(ClientOptions options)
    {
        var contacts = options.Contacts;
        var security = options.Security ?? throw new InvalidOperationException("client options without security settings");
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddSingleton<IHostLifetime, NoSignalLifetime>().AddAkka(PaymentsNodeSettings.DefaultSystemName, (b, _) => b
                .WithPaymentsClient(options.Host, 0, contacts, tls: security.Tls)
                .AddHocon("akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR\nakka.remote.log-remote-lifecycle-events = off", HoconAddMode.Prepend)))
            .Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var joined = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(system).RegisterOnMemberUp(() => joined.TrySetResult());
        if (await Task.WhenAny(joined.Task, Task.Delay(TimeSpan.FromSeconds(20))) != joined.Task)
        {
            await host.StopAsync();
            throw CliException.Failure($"--contact: could not join the cluster through {string.Join(", ", contacts)} within 20 s" + (security.Tls is null
                ? " (without TLS: a secured cluster refuses plain connections; give --tls-cert/--tls-key/--tls-ca)"
                : $" (with the certificate '{security.Tls.Subject}': the nodes refuse it if it is not from their CA; see their logs)"));
        }

        var region = await host.Services.GetRequiredService<ActorRegistry>().GetAsync<AccountRegion>();
        return new ClientSession(host, system, region, security.Tls is { } tls ? "cert:" + tls.Subject : "insecure-client");
    }

    public async ValueTask DisposeAsync()
    {
        // Leave gracefully so the cluster does not have to detect and down us.
        var cluster = Akka.Cluster.Cluster.Get(System);
        await cluster.LeaveAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token).ContinueWith(_ => { });
        await _host.StopAsync();
        _host.Dispose();
    }
}
