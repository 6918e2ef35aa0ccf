"""Alerts written the way MozDef's were, as source text: only their imports changed.

They are written to a folder by the tests and loaded as rule files, as a user would
bring them over; being text, they stay untyped like the originals.
"""

BRUTEFORCE_SSH = """
from mozdef.alerts import AlertTask
from mozdef.query import SearchQuery, TermMatch, PhraseMatch, TermsMatch


class AlertBruteforceSsh(AlertTask):
    def main(self):
        self.parse_config('bruteforce_ssh.conf', ['skiphosts'])

        search_query = SearchQuery(minutes=2)
        search_query.add_must([
            PhraseMatch('summary', 'failed'),
            TermMatch('details.program', 'sshd'),
            TermsMatch('summary', ['login', 'invalid', 'password', 'publickey']),
        ])
        for ip_address in self.config.skiphosts.split():
            search_query.add_must_not(PhraseMatch('summary', ip_address))

        self.filtersManual(search_query)
        # one aggregation per source address, ten sample events each
        self.searchEventsAggregated('details.sourceipaddress', samplesLimit=10)
        # an alert for each address seen at least ten times
        self.walkAggregations(threshold=10)

    def onAggregation(self, aggreg):
        category = 'bruteforce'
        tags = ['ssh']
        severity = 'NOTICE'

        summary = '{0} ssh bruteforce attempts by {1}'.format(aggreg['count'], aggreg['value'])
        hosts = self.mostCommon(aggreg['allevents'], '_source.hostname')
        for host, hits in hosts[:3]:
            summary += ' {0} ({1} hits)'.format(host, hits)

        return self.createAlertDict(summary, category, tags, aggreg['events'], severity)
"""

BRUTEFORCE_SSH_CONF = """[options]
skiphosts = 192.168.0.254 10.9.9.9
"""

ROOT_LOGINS = """
from mozdef.alerts import AlertTask
from mozdef.query import SearchQuery, TermMatch


class AlertRootLogin(AlertTask):
    def main(self):
        search_query = SearchQuery(minutes=15)
        search_query.add_must([
            TermMatch('category', 'authentication'),
            TermMatch('details.username', 'root'),
        ])
        self.filtersManual(search_query)
        self.searchEventsSimple()
        self.walkEvents()

    def onEvent(self, event):
        source = event['_source']
        summary = 'root login on {0}'.format(source['hostname'])
        return self.createAlertDict(summary, 'access', ['root'], [event], 'WARNING')
"""

HEARTBEAT_DEADMAN = """
from mozdef.alerts import AlertTask
from mozdef.query import SearchQuery, QueryStringMatch


class AlertHeartbeatDeadman(AlertTask):
    def main(self):
        search_query = SearchQuery(minutes=10)
        search_query.add_must(QueryStringMatch('category:heartbeat'))
        self.filtersManual(search_query)
        self.searchEventsSimple()
        self.walkEvents(description='heartbeat')

    def onNoEvent(self, description):
        summary = 'no {0} events in 10 minutes'.format(description)
        return self.createAlertDict(summary, 'deadman', ['deadman'], [], severity='ERROR')
"""
