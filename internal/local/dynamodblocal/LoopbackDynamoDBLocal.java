// LoopbackDynamoDBLocal runs DynamoDB Local listening on one address.
//
// DynamoDB Local has no option for the address it listens on: its server
// (DynamoDBProxyServer) builds an embedded Jetty Server with `new
// Server(port)`, whose connector listens on every interface, and neither
// DynamoDB Local nor Jetty reads a host from a system property. Its table
// holds visitors' e-mail addresses and questions, so the local stack runs
// this instead of the jar's Main-Class: the jar's own command-line handling
// (ServerRunner.createServerFromCommandLineArgs, so every documented flag
// means what it means for the jar), then the connector's host set before
// the server starts, which is when Jetty binds.
//
// Usage: java -cp DynamoDBLocal.jar:<this class> LoopbackDynamoDBLocal HOST [DynamoDB Local flags]
//
// internal/local/dynamodblocal compiles it once (Launcher) and runs it.
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LoopbackDynamoDBLocal HOST [DynamoDB Local flags]");
            System.exit(2);
        }
        String host = args[0];
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
        // The Jetty Server is private to DynamoDBProxyServer: no accessor.
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        Connector[] connectors = server.getConnectors();
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local's server has no connector to bind to " + host);
        }
        for (Connector c : connectors) {
            if (!(c instanceof ServerConnector)) {
                throw new IllegalStateException("DynamoDB Local's connector " + c + " cannot be bound to " + host);
            }
            ((ServerConnector) c).setHost(host);
        }
        System.out.println("Listening on " + host + " only (LoopbackDynamoDBLocal)");
        proxy.start();
    }
}
