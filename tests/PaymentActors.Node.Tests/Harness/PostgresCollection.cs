namespace PaymentActors.Node.Tests.Harness;

/// <summary>One throwaway PostgreSQL server for the process tests (xunit wants the collection in the test assembly).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
