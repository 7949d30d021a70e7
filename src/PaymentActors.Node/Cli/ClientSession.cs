using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Clients;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Node.Hosting;
using PaymentActors.Protocol.Clients;

namespace PaymentActors.Node.Cli;

/// <summary>
/// A short-lived client outside the cluster for the CLI verbs: remoting and a cluster client to the receptionists
/// of <c>--contact</c> (all asked at once, the first to answer is used), one request, gone. It never joins the
/// cluster, so it never appears in the member list and costs no join, convergence or leave.
/// </summary>
public sealed class ClientSession : IAsyncDisposable
{
    private readonly IHost _host;

    private ClientSession(IHost host, ActorSystem system, IActorRef gateway, string author)
    {
        Author = author;
        _host = host;
        Registry = host.Services.GetRequiredService<ActorRegistry>();
        System = system;
        Gateway = gateway;
        Client = new PaymentsClient(gateway, TimeSpan.FromSeconds(20));
    }

    public ActorSystem System { get; }
    public ActorRegistry Registry { get; }

    /// <summary>The local front of the nodes' client gateway (also in <see cref="Registry"/> under the region and singleton keys).</summary>
    public IActorRef Gateway { get; }

    public PaymentsClient Client { get; }

    /// <summary>Who this client is, for audit logs: its certificate's subject (or "insecure-client").</summary>
    public string Author { get; }

    public static async Task<ClientSession> ConnectAsync(ClientOptions options)
    {
        var contacts = options.Contacts;
        var connectTimeout = TimeSpan.FromSeconds(options.ConnectTimeout);
        var security = options.Security ?? throw new InvalidOperationException("client options without security settings");
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(s => s.AddSingleton<IHostLifetime, NoSignalLifetime>().AddAkka(ClientSystemName, (b, _) => b
                .WithPaymentsClusterClient(options.Host, 0, contacts, tls: security.Tls)
                // Stdout carries the verb's answer only (JSON, for scripts); the verb reports its own failures in one line.
                .AddHocon("akka.loglevel = OFF\nakka.stdout-loglevel = OFF\nakka.remote.log-remote-lifecycle-events = off", HoconAddMode.Prepend)))
            .Build();
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        var clusterClient = await registry.GetAsync<PaymentsClusterClient>();

        // The first answer proves the whole path: a contact reached (TLS accepted both ways), its receptionist, the gateway.
        var identified = clusterClient.Ask<ActorIdentity>(new ClusterClient.Send(ClientGatewayActor.Path, new Identify("connect"), localAffinity: true), connectTimeout);
        await Task.WhenAny(identified, system.WhenTerminated);
        if (!identified.IsCompletedSuccessfully || identified.Result.Subject is null)
        {
            await StopAsync(host);
            throw CliException.Failure($"--contact: no contact answered within {connectTimeout.TotalSeconds:0} s (tried {string.Join(", ", contacts)})" + (security.Tls is null
                ? "; without TLS: a secured cluster refuses plain connections, give --tls-cert/--tls-key/--tls-ca"
                : $"; with the certificate '{security.Tls.Subject}': the nodes refuse it if it is not from their CA, see their logs"));
        }

        var gateway = await registry.GetAsync<ClientGateway>();
        return new ClientSession(host, system, gateway, security.Tls is { } tls ? "cert:" + tls.Subject : "insecure-client");
    }

    /// <summary>The client's actor system; distinct from the nodes' so their logs tell clients from nodes.</summary>
    public const string ClientSystemName = "payments-client";

    /// <summary>The cluster as the node this client is connected to sees it.</summary>
    public Task<ClusterStatusReply> StatusAsync() => Gateway.Ask<ClusterStatusReply>(GetClusterStatus.Instance, TimeSpan.FromSeconds(15));

    public async ValueTask DisposeAsync() => await StopAsync(_host);

    private static async Task StopAsync(IHost host)
    {
        // Nothing to leave: the client was never a member.
        await host.StopAsync();
        host.Dispose();
    }
}
